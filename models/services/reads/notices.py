"""公文: the 文号 register and the notices issued for a handover or a task."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.engine import Engine
from sqlmodel import col

from models.db import read_session
from models.services.notices import register
from models.services.reads.common import Row, fetch
from models.tables import Notice, User


def notices_for(*, handover_id: int | None = None, task_id: int | None = None,
                engine: Engine | None = None) -> list[Row]:
    with read_session(engine) as s:
        query: Select[Any] = select(col(Notice.id), col(Notice.doc_number), col(Notice.title), col(Notice.kind),
                                    col(Notice.status), col(Notice.issued_at))
        if handover_id is not None:
            query = query.where(col(Notice.handover_id) == handover_id)
        if task_id is not None:
            query = query.where(col(Notice.task_id) == task_id)
        return fetch(s, query.order_by(col(Notice.id)))


def notice_register(*, year: int | None = None, engine: Engine | None = None) -> list[Row]:
    """The 文号 register (newest first) with the issuer's name."""
    with read_session(engine) as s:
        names = {r.id: r.display_name for r in s.execute(select(col(User.id), col(User.display_name)))}
        return [{"id": n.id, "doc_number": n.doc_number, "title": n.title, "kind": n.kind, "status": n.status,
                 "void_reason": n.void_reason, "issued_at": n.issued_at,
                 "issued_by": names.get(n.issued_by) or (n.context or {}).get("issuer") or "系统",
                 "recipients": "、".join(map(str, n.recipients or []))} for n in register(s, year=year)]
