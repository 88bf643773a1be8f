"""Password checks that cannot starve the other requests (issue 13).

argon2 is slow on purpose, and unknown usernames are checked too (against
user enumeration), so a flood of logins could take every CPU and every
gunicorn thread of a process. Here checks run on ``concurrency`` dedicated
threads at a lower CPU priority (Linux ``nice`` is per thread, and the
threads argon2 starts for its lanes inherit it), and at most ``waiting``
more logins may wait for them; any further login is refused at once with
"busy" rather than holding a request thread.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

from directory.adapters.passwords import Passwords

NICENESS = 10


class PasswordChecksBusy(Exception):
    """Every check slot and every waiting place is taken."""


def _lower_priority() -> None:
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICENESS)


class PasswordChecks:
    def __init__(self, passwords: Passwords, concurrency: int = 1, waiting: int = 3) -> None:
        self._passwords = passwords
        self._pool = ThreadPoolExecutor(
            max_workers=max(1, concurrency),
            thread_name_prefix="password-check",
            initializer=_lower_priority,
        )
        self._admission = threading.BoundedSemaphore(max(1, concurrency) + max(0, waiting))

    @contextlib.contextmanager
    def admitted(self) -> Iterator[None]:
        """A place among the running and waiting checks; raises
        :class:`PasswordChecksBusy` at once when there is none (take it before any
        other work for the login)."""
        if not self._admission.acquire(blocking=False):
            raise PasswordChecksBusy()
        try:
            yield
        finally:
            self._admission.release()

    def verify(self, password_hash: str | None, password: str) -> bool:
        """Whether ``password`` matches, checked on a password-check thread (call
        within :meth:`admitted`)."""
        return self._pool.submit(self._passwords.verify, password_hash, password).result()

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
