"""Errors every entrypoint maps the same way: a Chinese message for the user, never a stack trace."""
from __future__ import annotations


class ServiceError(Exception):
    outcome = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PermissionDenied(ServiceError):
    outcome = "denied"


class Conflict(ServiceError):
    outcome = "conflict"

    def __init__(self, message: str = "数据已被他人修改，请刷新后重试") -> None:
        super().__init__(message)


class NotFound(ServiceError):
    outcome = "invalid"


class Invalid(ServiceError):
    outcome = "invalid"


class NeedsConfirmation(Invalid):
    """The change is allowed but the user must confirm it first (the message says what to confirm)."""

    outcome = "confirm"
