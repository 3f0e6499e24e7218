"""发文机关设置: county name, each agency's names, number series, default 主送/抄送 and 印发机关.

The factory values live in ``templates/notices/_agency.toml``; the office's edits are stored in the
database (``AppSetting`` key ``agencies``) and win field by field, so every notice reads one place.
Notice options (the reply period of 催办/督办 in working days) are stored beside them.
"""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.db import read_session, retry_transient
from models.services.actor import Actor
from models.services.errors import Invalid
from models.services.permissions import require
from models.services.settings_store import get_value
from models.services.uow import transaction
from models.tables import AppSetting

KEY = "agencies"
OPTIONS_KEY = "notice_options"
DEFAULT_REPLY_WORKDAYS = 5
TEXT_FIELDS = {"name": "机关全称", "mark": "发文机关标志（红头）", "signature": "署名", "issuer": "印发机关"}
LIST_FIELDS = {"recipients": "默认主送", "cc": "默认抄送"}
AGENCY_LABELS = {"office": "改革领导小组办公室", "staffing": "机构编制委员会办公室（编办）"}
SERIES_LABELS = {"main": "发文", "letter": "函", "form": "督办通知单", "list": "名册清单"}
_CODE = re.compile(r"^[\u4e00-\u9fff]{2,12}$")


def current(session: Session) -> dict[str, Any]:
    """The settings every notice is rendered with: factory file merged with the office's edits."""
    from models.documents.templates import agency_defaults, merge_agencies

    return merge_agencies(agency_defaults(), get_value(session, KEY))


def settings(engine: Engine | None = None) -> dict[str, Any]:
    with read_session(engine) as session:
        return current(session)


def reply_workdays(session: Session) -> int:
    return int(get_value(session, OPTIONS_KEY).get("reply_workdays", DEFAULT_REPLY_WORKDAYS))


def options(engine: Engine | None = None) -> dict[str, int]:
    with read_session(engine) as session:
        return {"reply_workdays": reply_workdays(session)}


def _names(value: Any, label: str) -> list[str]:
    if isinstance(value, str):
        value = re.split(r"[、，,\n]", value)
    if not isinstance(value, list):
        raise Invalid(f"{label}须为机关名称列表")
    return [v.strip() for v in value if isinstance(v, str) and v.strip()]


def _validate(county: str, agencies: dict[str, Any], known: dict[str, Any]) -> dict[str, Any]:
    from models.documents.text import placeholders

    problems: list[str] = []
    county = county.strip()
    if not county:
        problems.append("县（区）名称不能为空")
    clean: dict[str, Any] = {}
    for key, fields in agencies.items():
        if key not in known:
            raise Invalid(f"未知发文机关：{key}")
        label = AGENCY_LABELS.get(key, key)
        entry: dict[str, Any] = {}
        for name, title in TEXT_FIELDS.items():
            value = str(fields.get(name, known[key].get(name, ""))).strip()
            if not value:
                problems.append(f"{label}：{title}不能为空")
            elif found := placeholders(value):
                problems.append(f"{label}：{title}仍含占位符（{'、'.join(found)}）")
            entry[name] = value[:60]
        for name, title in LIST_FIELDS.items():
            names = _names(fields.get(name, known[key].get(name, [])), f"{label}：{title}")
            if any(placeholders(n) for n in names):
                problems.append(f"{label}：{title}仍含占位符")
            entry[name] = names[:30]
        series = {**known[key].get("series", {}), **(fields.get("series") or {})}
        for code in series.values():
            if not isinstance(code, str) or not _CODE.match(code.strip()):
                problems.append(f"{label}：机关代字“{code}”须为2至12个汉字")
        entry["series"] = {k: str(v).strip() for k, v in series.items()}
        clean[key] = entry
    if problems:
        raise Invalid("发文机关设置有误：" + "；".join(problems))
    return {"county": county, "agencies": clean}


@retry_transient
def update(actor: Actor, *, county: str, agencies: dict[str, Any], reply_days: int | None = None,
           engine: Engine | None = None) -> dict[str, Any]:
    """Save the office's agency settings (one audit event with before/after)."""
    with transaction(actor, "config.agencies", "setting", KEY, engine=engine) as tx:
        require(actor, "notice.agency")
        before = current(tx.session)
        value = _validate(county, agencies, before["agencies"])
        before_options = stored_options = get_value(tx.session, OPTIONS_KEY)
        if reply_days is not None:
            if not 1 <= reply_days <= 30:
                raise Invalid("催办、督办的反馈期限须在1至30个工作日之间")
            stored_options = {**stored_options, "reply_workdays": int(reply_days)}
            tx.session.merge(AppSetting(key=OPTIONS_KEY, value=stored_options))
        tx.session.merge(AppSetting(key=KEY, value=value))
        tx.audit(before={**before, "options": before_options},
                 after={**value, "options": stored_options})
        return value
