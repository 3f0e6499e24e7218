"""What the web app remembers per user across sessions and browsers: the chosen plan, the import draft
under review. Each user reads and writes only their own rows.

These are not business facts (nothing another user sees or the scheduler reads), so, like the session's
last-seen time, they are not written to the audit chain: an audit event would also move ``data_stamp``
and throw away every cached page read at each plan switch or draft edit.
"""
from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import delete

from models.db import read_session, retry_transient, write_session
from models.services.actor import Actor
from models.services.errors import Invalid
from models.tables import UserPreference

KEYS = {"plan", "import_draft"}
MAX_BYTES = 4 * 1024 * 1024  # a parsed plan of a few thousand tasks fits; more is not a draft


def _check(actor: Actor, key: str) -> int:
    if key not in KEYS:
        raise Invalid(f"未知的偏好设置：{key}")
    if actor.user_id is None:
        raise Invalid("系统账户没有个人偏好设置")
    return actor.user_id


def get(actor: Actor, key: str, *, engine: Engine | None = None) -> dict[str, Any] | None:
    user_id = _check(actor, key)
    with read_session(engine) as session:
        row = session.get(UserPreference, (user_id, key))
        return dict(row.value) if row is not None else None


@retry_transient
def put(actor: Actor, key: str, value: dict[str, Any], *, engine: Engine | None = None) -> None:
    user_id = _check(actor, key)
    if len(json.dumps(value, ensure_ascii=False, default=str).encode()) > MAX_BYTES:
        raise Invalid("内容过大，无法保存（上限 4 MB）")
    with write_session(engine) as session:
        row = session.get(UserPreference, (user_id, key))
        if row is None:
            row = UserPreference(user_id=user_id, key=key, value=value)
        else:
            row.value, row.updated_at = value, datetime.now(UTC)
        session.add(row)


@retry_transient
def forget(actor: Actor, key: str, *, engine: Engine | None = None) -> None:
    user_id = _check(actor, key)
    with write_session(engine) as session:
        session.execute(delete(UserPreference).where(UserPreference.user_id == user_id,  # type: ignore[arg-type]
                                                     UserPreference.key == key))  # type: ignore[arg-type]
