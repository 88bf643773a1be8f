"""Password hashing with argon2 (ENGINEERING rule 7)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


class Passwords:
    """Hashes and checks passwords; checks unknown users against a dummy hash
    so a wrong username costs as much time as a wrong password."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()
        self._dummy: str | None = None

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        if password_hash is None:
            if self._dummy is None:
                self._dummy = self._hasher.hash("not a password of anyone")
            password_hash = self._dummy
            password = "\x00" + password
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)


def fast_passwords() -> Passwords:
    """Cheap argon2 parameters for tests; never for production."""
    return Passwords(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
