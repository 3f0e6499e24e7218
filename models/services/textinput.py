"""User-typed text: control characters (NUL and the other C0 codes) are refused with a clear message.

NUL cannot be stored in PostgreSQL text at all (psycopg raised an uncaught DataError) and the other
codes are invisible in the pages and documents; both backends refuse them the same way.
"""
from __future__ import annotations

import re

from models.services.errors import Invalid

_CONTROL_LINE = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # notes may keep tabs and line breaks


def has_controls(value: str, *, multiline: bool = False) -> bool:
    return bool((_CONTROL_TEXT if multiline else _CONTROL_LINE).search(value))


def refuse_controls(label: str, value: str | None, *, multiline: bool = False) -> None:
    if value and has_controls(value, multiline=multiline):
        raise Invalid(f"{label}含有不可见的控制字符（如 NUL），请删除后重试")
