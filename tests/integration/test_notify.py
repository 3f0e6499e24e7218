"""Notifications as received: email over a real SMTP server, robots on a local server that checks what the
platforms check, dead and hanging channels, retries on later scan days, uncertain sends after a crash."""
from __future__ import annotations

import html
import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from models.db import read_session, write_session
from models.services import admin, channels, deliveries, scan
from models.services.actor import Actor
from models.services.notify import deliveries as delivery_rows
from models.settings import get_settings
from models.tables import Delivery, NotificationChannel
from tests.conftest import TODAY
from tests.factories import actor, task
from tests.integration.helpers_scan import add_channel, audit_count
from tests.mailbox import (
    Mailbox,
    free_port,
    mailbox_fixture,  # noqa: F401 (pytest fixture "mailbox")
)
from tests.robot_sink import Sink, hanging, robot_sink

ZHIFA = "县综合行政执法局"
ZHIFA_CODES = {"四.4", "五.1"}  # alerts of TODAY for the enforcement bureau
ADMIN = Actor.system("test-admin")


@pytest.fixture(name="sink")
def sink_fixture() -> Sink:
    with robot_sink() as sink:
        yield sink  # type: ignore[misc]


def _robot(engine: Engine, sink: Sink, kind: str, token: str, secret: str = "", keyword: str = "",
           unit: str = ZHIFA, base: str | None = None, timeout_s: float | None = None) -> int:
    return channels.add_robot(ADMIN, unit_name=unit, kind=kind, base_url=base or sink.base_url, token=token,
                              secret=secret, keyword=keyword, timeout_s=timeout_s, engine=engine)


def _rows(engine: Engine, channel_id: int) -> list[Delivery]:
    return [d for d in delivery_rows("alert:", engine=engine) if d.channel_id == channel_id]


def test_email_keeps_its_lines_and_carries_the_link(demo_engine: Engine, mailbox: Mailbox) -> None:
    add_channel(demo_engine, ZHIFA, mailbox.url("zhifa@example.gov.cn"))
    add_channel(demo_engine, "城关镇人民政府", mailbox.url("chengguan-zhen@example.gov.cn"))
    stats = scan.run_scan(TODAY, engine=demo_engine, backoff_s=0)
    mail = next(m for m in mailbox.messages if "四.4" in str(m["subject"]))
    assert str(mail["subject"]).startswith("【催办】任务四.4")
    assert mail.get_content_type() == "multipart/alternative"
    text = mail.get_body(preferencelist=("plain",)).get_content()
    lines = [ln.strip() for ln in text.splitlines()]
    assert "任务编号：四.4" in lines and "任务名称：厘清城市管理与市场监管、生态环境执法边界" in lines
    assert any(ln.startswith("完成时限：2026-") for ln in lines) and any(ln.startswith("当前进度：") for ln in lines)
    link = f"{get_settings().public_url}/tasks?plan={task(demo_engine, '四.4').plan_id}&task=%E5%9B%9B.4"
    assert link in text
    assert f"{get_settings().public_url}/my_unit?alert=" in text  # where the unit signs for this alert
    assert f'href="{html.escape(link)}"' in mail.get_body(preferencelist=("html",)).get_content()
    # 六.1 is led by 各镇人民政府: the group stands for each town
    assert any("六.1" in m for m in mailbox.to("chengguan-zhen@example.gov.cn"))
    assert stats["notify"]["failed"] == 0 and stats["notify"]["sent"] == len(mailbox.messages)
    before = len(mailbox.messages)
    scan.run_scan(TODAY, engine=demo_engine, backoff_s=0)  # a re-run the same day sends nothing twice
    assert len(mailbox.messages) == before


def test_robots_signed_payloads_accepted_by_each_platform(demo_engine: Engine, sink: Sink) -> None:
    sink.add("dingtalk", "dt-token", secret="SECdingtalk123", keyword="督办")
    sink.add("wecom", "wx-key")
    sink.add("feishu", "fs-hook", secret="feishu-secret", keyword="改革")
    ids = [_robot(demo_engine, sink, "dingtalk", "dt-token", "SECdingtalk123", "督办"),
           _robot(demo_engine, sink, "wecom", "wx-key"),
           _robot(demo_engine, sink, "feishu", "fs-hook", "feishu-secret", "改革")]
    stats = scan.run_scan(TODAY, engine=demo_engine, backoff_s=0)
    assert not sink.rejected, sink.rejected
    for kind in ("dingtalk", "wecom", "feishu"):
        texts = sink.texts(kind)
        assert len(texts) == len(ZHIFA_CODES), kind
        assert any("四.4" in t and "&task=%E5%9B%9B.4" in t for t in texts), kind
    assert all(d.status == "sent" and d.attempts == 1 for i in ids for d in _rows(demo_engine, i))
    assert stats["notify"]["failed"] == 0
    # secrets are encrypted at rest and never shown back
    with read_session(demo_engine) as s:
        stored = [c.secret_enc or "" for c in s.execute(select(NotificationChannel)).scalars()]
    assert stored and not any("SECdingtalk123" in v or "dt-token" in v for v in stored)
    assert "SECdingtalk123" not in json.dumps(admin.channels(demo_engine), ensure_ascii=False, default=str)


def test_platform_errors_are_recorded_as_the_platform_answered(demo_engine: Engine, sink: Sink) -> None:
    sink.add("dingtalk", "dt-token", secret="right-secret")
    sink.add("feishu", "fs-hook", keyword="改革办专用")
    wrong_sign = _robot(demo_engine, sink, "dingtalk", "dt-token", "wrong-secret")
    no_keyword_configured = _robot(demo_engine, sink, "feishu", "fs-hook")
    bad_key = _robot(demo_engine, sink, "wecom", "no-such-key")
    scan.run_scan(TODAY, engine=demo_engine, retries=0, backoff_s=0)
    errors = {cid: {d.last_error for d in _rows(demo_engine, cid)} for cid in (wrong_sign, no_keyword_configured,
                                                                                bad_key)}
    assert all("310000" in (e or "") and "sign not match" in (e or "") for e in errors[wrong_sign])
    assert all("19024" in (e or "") for e in errors[no_keyword_configured])
    assert all("93000" in (e or "") for e in errors[bad_key])
    listed = deliveries.problems(engine=demo_engine)
    assert {p["status"] for p in listed} == {"failed"} and len(listed) == 3 * len(ZHIFA_CODES)


def test_killed_sink_is_listed_and_delivered_the_next_day(demo_engine: Engine, sink: Sink, mailbox: Mailbox) -> None:
    sink.add("dingtalk", "dt-token", secret="SECx")
    robot = _robot(demo_engine, sink, "dingtalk", "dt-token", "SECx")
    add_channel(demo_engine, ZHIFA, mailbox.url("zhifa@example.gov.cn"))
    sink.stop()
    started = time.perf_counter()
    stats = scan.run_scan(TODAY, engine=demo_engine, backoff_s=0)
    assert time.perf_counter() - started < 5 * get_settings().notify_timeout_s
    failed = _rows(demo_engine, robot)
    assert len(failed) == len(ZHIFA_CODES) and all(d.status == "failed" for d in failed)
    assert all(d.attempts <= 1 for d in failed)  # no in-run retry against an endpoint that does not answer
    assert all(d.retry_on == TODAY + timedelta(days=1) for d in failed)
    assert stats["notify"]["failed"] == len(ZHIFA_CODES)
    assert len(mailbox.to("zhifa@example.gov.cn")) == len(ZHIFA_CODES)  # the healthy channel still delivered
    assert {p["id"] for p in deliveries.problems(engine=demo_engine)} == {d.id for d in failed}
    scan.run_scan(TODAY, engine=demo_engine, backoff_s=0)  # same day: backoff, not retried
    assert {d.attempts for d in _rows(demo_engine, robot) if d.id in {f.id for f in failed}} <= {0, 1}
    sink.start()
    scan.run_scan(TODAY + timedelta(days=1), engine=demo_engine, backoff_s=0)
    again = {d.id: d for d in _rows(demo_engine, robot)}
    assert all(again[d.id].status == "sent" for d in failed)
    first_day = [t for t in sink.texts("dingtalk") if "四.4" in t or "五.1" in t]
    assert len(first_day) >= len(ZHIFA_CODES)
    assert len(mailbox.to("zhifa@example.gov.cn")) >= len(ZHIFA_CODES)
    assert not deliveries.problems(engine=demo_engine)


def test_hanging_channel_costs_its_timeout_once(demo_engine: Engine, mailbox: Mailbox) -> None:
    with hanging() as base:
        slow = channels.add_robot(ADMIN, unit_name=ZHIFA, kind="wecom", base_url=base, token="k", timeout_s=1.0,
                                  engine=demo_engine)
        for unit in ("县城市管理局", "县住房和城乡建设局", "县财政局"):
            channels.add_robot(ADMIN, unit_name=unit, kind="wecom", base_url=base, token="k", timeout_s=1.0,
                               engine=demo_engine)
        add_channel(demo_engine, ZHIFA, mailbox.url("zhifa@example.gov.cn"))
        started = time.perf_counter()
        scan.create_alerts(TODAY, engine=demo_engine)
        started = time.perf_counter()
        scan.notify_alerts(TODAY, engine=demo_engine, backoff_s=0)
        elapsed = time.perf_counter() - started
    hung = [d for d in delivery_rows("alert:", engine=demo_engine) if d.status == "failed"]
    assert len(hung) >= 10 and _rows(demo_engine, slow)
    assert elapsed < 3.0, f"{len(hung)} deliveries to a hanging endpoint took {elapsed:.1f} s"
    assert any("超时" in (d.last_error or "") for d in hung)
    assert len(mailbox.to("zhifa@example.gov.cn")) == len(ZHIFA_CODES)


def test_crash_while_sending_is_uncertain_and_resent_only_by_the_office(demo_engine: Engine,
                                                                        mailbox: Mailbox) -> None:
    add_channel(demo_engine, ZHIFA, mailbox.url("zhifa@example.gov.cn"))
    scan.create_alerts(TODAY, engine=demo_engine)
    messages = [m for m in scan.alert_messages(TODAY, engine=demo_engine) if "四.4" in m.subject]
    # a run that died after committing ``sending``: simulate by claiming and never sending
    from models.services.notify import _claim, _plan

    with write_session(demo_engine) as s:
        ids = _plan(s, messages, TODAY, False)
    _claim(ids, demo_engine)
    with write_session(demo_engine) as s:
        s.execute(update(Delivery).where(Delivery.id.in_(ids)).values(
            updated_at=datetime.now(UTC) - timedelta(hours=1)))
    scan.run_scan(TODAY + timedelta(days=1), engine=demo_engine, backoff_s=0)
    with read_session(demo_engine) as s:  # never resent blindly by the next scan
        assert [(d.status, d.attempts) for d in s.execute(select(Delivery).where(Delivery.id.in_(ids))).scalars()] \
            == [("sending", 0)]
    uncertain = [p for p in deliveries.problems(engine=demo_engine) if p["status"] == "uncertain"]
    assert [p["id"] for p in uncertain] == ids
    before = sum("任务四.4" in str(m["subject"]) for m in mailbox.messages)
    office = actor(demo_engine, "gaiban")
    stats = deliveries.resend(office, ids[0], engine=demo_engine)
    assert stats.sent == 1 and sum("任务四.4" in str(m["subject"]) for m in mailbox.messages) == before + 1
    assert audit_count(demo_engine, "delivery.resend") == 1
    assert not [p for p in deliveries.problems(engine=demo_engine) if p["id"] == ids[0]]
    from models.services.errors import Invalid, PermissionDenied

    with pytest.raises(Invalid):
        deliveries.resend(office, ids[0], engine=demo_engine)  # already sent: nothing to resend
    with pytest.raises(PermissionDenied):
        deliveries.resend(actor(demo_engine, "chengguan"), ids[0], engine=demo_engine)


def test_failed_delivery_is_given_up_after_the_limit(demo_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "notify_max_attempts", 2)
    dead = add_channel(demo_engine, ZHIFA, f"json://127.0.0.1:{free_port()}/hook")
    scan.run_scan(TODAY, engine=demo_engine, retries=0, backoff_s=0)
    scan.run_scan(TODAY + timedelta(days=1), engine=demo_engine, retries=0, backoff_s=0)
    first = [d for d in _rows(demo_engine, dead) if d.attempts == 2]
    assert first and all(d.status == "given_up" and d.retry_on is None for d in first)
    scan.run_scan(TODAY + timedelta(days=10), engine=demo_engine, retries=0, backoff_s=0)
    assert all(d.attempts == 2 for d in _rows(demo_engine, dead) if d.id in {f.id for f in first})
    assert {p["status_label"] for p in deliveries.problems(engine=demo_engine) if p["id"] in {f.id for f in first}} \
        == {"已放弃"}
