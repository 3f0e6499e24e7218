"""Who is acting. Every service call takes one; flows act as the system actor."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str
    role: str
    unit_id: int | None = None
    session_id: str | None = None
    client_addr: str | None = None

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        return cls(user_id=None, username=name, role="system")
