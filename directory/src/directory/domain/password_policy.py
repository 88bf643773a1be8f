"""The minimum password policy (issue 13): long enough, not the username,
not one of the passwords every guessing list starts with.

Messages are in Chinese: they are shown to the administrator typing the
password, as they are.
"""

from __future__ import annotations

from secretariat_shared.errors import FieldError

MIN_LENGTH = 10

# The top of public leak lists (Chinese and international), as they look at
# ten characters or more; compared case-insensitively.
COMMON_PASSWORDS = frozenset(
    {
        "1234567890",
        "0123456789",
        "12345678910",
        "123456789a",
        "a123456789",
        "1234567890a",
        "a1234567890",
        "1234567890q",
        "qwertyuiop",
        "1q2w3e4r5t",
        "1qaz2wsx3edc",
        "qazwsxedc123",
        "zxcvbnm123",
        "asdfghjkl1",
        "password12",
        "password123",
        "password1234",
        "passw0rd123",
        "p@ssw0rd123",
        "admin12345",
        "admin123456",
        "administrator",
        "iloveyou123",
        "woaini1314",
        "woaini520a",
        "5201314520",
        "1314520520",
        "abc1234567",
        "abcd123456",
        "abcdefghij",
        "qwerty1234",
        "qwerty12345",
        "welcome123",
        "letmein123",
        "changeme123",
        "secretariat",
        "secretariat1",
        "secretariat123",
    }
)

TOO_SHORT = f"密码至少需要 {MIN_LENGTH} 个字符"
SAME_AS_USERNAME = "密码不能与用户名相同"
TOO_COMMON = "密码过于常见，容易被猜中，请换一个"
ONE_CHARACTER = "密码不能由同一个字符重复组成"


def password_problems(username: str, password: str) -> list[FieldError]:
    """What is wrong with ``password`` for ``username``; empty when it may be used."""
    problems: list[FieldError] = []
    lowered = password.casefold()
    if len(password) < MIN_LENGTH:
        problems.append(FieldError("password", TOO_SHORT))
    if username and username.casefold() in (lowered, lowered[::-1]):
        problems.append(FieldError("password", SAME_AS_USERNAME))
    if lowered in COMMON_PASSWORDS:
        problems.append(FieldError("password", TOO_COMMON))
    elif password and len(set(password)) == 1 and len(password) >= MIN_LENGTH:
        problems.append(FieldError("password", ONE_CHARACTER))
    return problems
