"""系统: robots are added with their secret hidden; undelivered notifications are listed and resent (audited).
本单位: a department signs with one click."""
from __future__ import annotations

import json

from sqlmodel import select

from models.db import read_session
from models.services import admin, deliveries, scan
from tests.conftest import TODAY
from tests.integration.helpers_scan import add_channel, audit_count
from tests.mailbox import free_port
from tests.ui.conftest import goto, login, texts, toasts
from tests.ui.test_pages import _sysadmin_ready


def test_sysadmin_adds_a_robot_whose_secret_is_never_shown(app_db):
    from models.tables import NotificationChannel

    _sysadmin_ready(app_db)
    at = login("sysadmin")
    goto(at, "admin")
    at.selectbox(key="robot_unit").set_value("县城市管理局")
    at.selectbox(key="robot_kind").set_value("dingtalk")
    at.text_input(key="robot_base").input("https://oapi.zjzwfw.gov.cn")
    at.text_input(key="robot_token").input("tok-123456")
    at.text_input(key="robot_secret").input("SECsupersecret")
    at.text_input(key="robot_keyword").input("督办")
    at.button(key="robot_add").click().run()
    assert "已添加群机器人" in texts(at)
    assert at.text_input(key="robot_secret").value == "" and at.text_input(key="robot_token").value == ""
    listed = admin.channels(app_db)
    assert listed[-1]["scheme"] == "钉钉机器人" and listed[-1]["base_url"] == "https://oapi.zjzwfw.gov.cn"
    assert listed[-1]["secret"] == "已设置（不显示）"
    assert "SECsupersecret" not in json.dumps(listed, ensure_ascii=False) + texts(at)
    with read_session(app_db) as s:
        row = s.exec(select(NotificationChannel)).all()[-1]
    assert row.secret_enc and "SECsupersecret" not in row.secret_enc and "tok-123456" not in row.secret_enc


def test_failed_delivery_is_listed_and_resent_from_the_page(app_db):
    _sysadmin_ready(app_db)
    add_channel(app_db, "县综合行政执法局", f"json://127.0.0.1:{free_port()}/hook")
    scan.run_scan(TODAY, engine=app_db, retries=0, backoff_s=0)
    failed = deliveries.problems(engine=app_db)
    assert failed
    at = login("sysadmin")
    goto(at, "admin")
    assert "未送达的通知" in texts(at)
    at.button(key="admin_deliveries_resend").click().run()
    assert "已重发" in texts(at)
    assert audit_count(app_db, "delivery.resend") == 1
    again = {p["id"]: p for p in deliveries.problems(engine=app_db)}
    assert again[failed[0]["id"]]["attempts"] == failed[0]["attempts"] + 1  # tried once more, still failing


def test_department_signs_for_an_alert_on_my_unit(app_db):
    scan.run_scan(TODAY, engine=app_db, backoff_s=0)
    at = login("chengguan")
    goto(at, "my_unit")
    assert "待签收的通知" in texts(at)
    buttons = [b for b in at.button if b.key and b.key.startswith("sign_")]
    assert buttons
    buttons[0].click().run()
    assert "已签收" in texts(at)
    assert len([b for b in at.button if b.key and b.key.startswith("sign_")]) == len(buttons) - 1
    assert audit_count(app_db, "signoff.sign") == 1


def test_an_alert_link_opens_that_alert_for_the_office_and_signs_it(app_db):
    """/alerts?alert=<id> shows that alert first with its task link and a 签收 button; a forged id says so."""
    from models.tables import Alert

    scan.run_scan(TODAY, engine=app_db, backoff_s=0)
    with read_session(app_db) as s:
        alert = s.exec(select(Alert).order_by(Alert.id)).first()
    at = login("gaiban")
    at.query_params["alert"] = str(alert.id)
    goto(at, "alerts")
    linked = texts(at)
    assert alert.message in linked and "链接所指的预警不存在" not in linked
    at.button(key="ack_linked").click().run()
    assert "已签收该预警" in texts(at) + toasts(at)
    with read_session(app_db) as s:
        assert s.get(Alert, alert.id).acknowledged_at is not None
    at.query_params["alert"] = "999999"
    goto(at, "alerts")
    assert "链接所指的预警不存在或您无权查看：999999" in texts(at)
