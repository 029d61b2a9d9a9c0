"""Password rules (issue 13): at least 10 characters, not one of the 10,000 commonest passwords."""

from functools import cache
from pathlib import Path

from wtforms.validators import ValidationError

MIN_LENGTH = 10
MAX_LENGTH = 128
COMMON = Path(__file__).parent / "data" / "common_passwords.txt"


@cache
def common_passwords():
    """The shipped list, lower-cased, as a set (read once)."""
    lines = COMMON.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def problem(password):
    """Why a new password is refused (in Chinese), or None when it is acceptable."""
    password = password or ""
    if len(password) < MIN_LENGTH or len(password) > MAX_LENGTH:
        return f"密码长度应为 {MIN_LENGTH}–{MAX_LENGTH} 个字符"
    if password.lower() in common_passwords() or len(set(password)) < 3:
        return "该密码过于常见或简单，容易被猜中，请换一个"
    return None


def strong_password(form, field):
    """WTForms validator for every field that sets a new password."""
    message = problem(field.data)
    if message:
        raise ValidationError(message)
