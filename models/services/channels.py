"""Robot channels (钉钉/企业微信/飞书) per unit or group: base URL, token, signing secret, keyword.

The token and the signing secret are stored encrypted (``models.secretbox``) and never returned: pages
only learn whether a secret is set. The base URL is configurable so 政务 editions on their own hosts work.
"""
from __future__ import annotations

import json

from sqlalchemy.engine import Engine
from sqlmodel import select

from models.db import retry_transient
from models.secretbox import encrypt
from models.services import robots
from models.services.actor import Actor
from models.services.errors import Invalid
from models.services.permissions import require
from models.services.uow import transaction
from models.tables import NotificationChannel, Unit


@retry_transient
def add_robot(actor: Actor, *, unit_name: str, kind: str, base_url: str, token: str, secret: str = "",
              keyword: str = "", label: str = "", timeout_s: float | None = None,
              engine: Engine | None = None) -> int:
    with transaction(actor, "config.channel_add", "channel", engine=engine) as tx:
        require(actor, "config.manage")
        if kind not in robots.KINDS:
            raise Invalid(f"未知机器人类型：{kind}（可选：{'、'.join(robots.KINDS.values())}）")
        base = (base_url.strip() or robots.DEFAULT_BASES[kind]).rstrip("/")
        if not base.startswith(("https://", "http://")):
            raise Invalid("机器人地址须以 https:// 或 http:// 开头（政务版填写本地部署的地址）")
        if "?" in base or base.count("/") > 3:
            raise Invalid("机器人地址只填写协议和主机（如 https://oapi.dingtalk.com），令牌单独填写")
        token = token.strip()
        if not token:
            raise Invalid("请填写机器人令牌（钉钉 access_token、企业微信 key、飞书 hook 编号）")
        if timeout_s is not None and not 0 < timeout_s <= 120:
            raise Invalid("超时须在 0–120 秒之间")
        unit = tx.session.exec(select(Unit).where(Unit.name == unit_name)).first()
        if unit is None:
            raise Invalid(f"未知单位：{unit_name}")
        row = NotificationChannel(unit_id=unit.id or 0, url=base, kind=kind, keyword=keyword.strip()[:40],
                                  label=label.strip()[:60] or robots.KINDS[kind], timeout_s=timeout_s,
                                  secret_enc=encrypt(json.dumps({"token": token, "secret": secret.strip()})))
        tx.session.add(row)
        tx.session.flush()
        tx.object_id = row.id
        tx.audit(after={"unit": unit.name, "kind": kind, "base_url": base, "label": row.label,
                        "keyword": row.keyword, "signed": bool(secret.strip())})
        return row.id or 0
