"""Notifications: real email over SMTP, group expansion, failing channels retried and recorded."""
from __future__ import annotations

from sqlalchemy.engine import Engine

from models.services import scan
from models.services.notify import deliveries
from tests.conftest import TODAY
from tests.integration.helpers_scan import add_channel, alerts
from tests.mailbox import (
    Mailbox,
    free_port,
    mailbox_fixture,  # noqa: F401 (pytest fixture "mailbox")
)


def test_units_receive_alert_email_with_task_code(demo_engine: Engine, mailbox: Mailbox) -> None:
    add_channel(demo_engine, "县综合行政执法局", mailbox.url("zhifa@example.gov.cn"))
    add_channel(demo_engine, "城关镇人民政府", mailbox.url("chengguan-zhen@example.gov.cn"))
    stats = scan.run_scan(TODAY, engine=demo_engine, backoff_s=0)
    mails = mailbox.to("zhifa@example.gov.cn")
    # 四.4 (25 days overdue) and 五.1 are led by the enforcement bureau
    assert any("【催办】四.4" in m and "厘清城市管理与市场监管" in m for m in mails)
    assert any("五.1" in m for m in mails)
    # 六.1 is led by 各镇人民政府: the group stands for each town
    assert any("六.1" in m for m in mailbox.to("chengguan-zhen@example.gov.cn"))
    assert stats["notify"]["failed"] == 0 and stats["notify"]["sent"] == len(mailbox.messages)
    # re-running the scan the same day sends nothing twice
    before = len(mailbox.messages)
    scan.run_scan(TODAY, engine=demo_engine, backoff_s=0)
    assert len(mailbox.messages) == before


def test_failed_channel_is_retried_recorded_and_never_crashes(demo_engine: Engine, mailbox: Mailbox) -> None:
    dead = add_channel(demo_engine, "县综合行政执法局", f"json://127.0.0.1:{free_port()}/hook")
    add_channel(demo_engine, "县综合行政执法局", mailbox.url("zhifa@example.gov.cn"))
    stats = scan.run_scan(TODAY, engine=demo_engine, retries=2, backoff_s=0)
    failed = [d for d in deliveries("alert:", engine=demo_engine) if d.channel_id == dead]
    n_alerts = len([a for a in alerts(demo_engine) if a[0] in {"四.4", "五.1", "五.5"}])
    assert failed and all(d.status == "failed" and d.attempts == 3 and d.last_error for d in failed)
    assert stats["notify"]["failed"] == len(failed) == n_alerts
    assert len(mailbox.to("zhifa@example.gov.cn")) == n_alerts  # the healthy channel still delivered
    # the next run retries only the failed channel; sent mail is not resent
    scan.run_scan(TODAY, engine=demo_engine, retries=0, backoff_s=0)
    assert all(d.attempts == 4 for d in deliveries("alert:", engine=demo_engine) if d.channel_id == dead)
    assert len(mailbox.to("zhifa@example.gov.cn")) == n_alerts
