"""Office-editable configuration stored in the database (special units, thresholds)."""
from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from models.tables import AppSetting, Unit

SPECIAL_UNIT_KEYS = {"office": "改革领导小组办公室", "staffing": "机构编制部门（编办）", "hr": "人力资源和社会保障部门",
                     "finance": "财政部门", "archives": "档案部门"}


def get_value(session: Session, key: str) -> dict[str, Any]:
    row = session.get(AppSetting, key)
    return dict(row.value) if row else {}


def special_unit_id(session: Session, key: str) -> int | None:
    name = get_value(session, "special_units").get(key)
    if not name:
        return None
    unit = session.exec(select(Unit).where(Unit.name == name)).first()
    return unit.id if unit else None
