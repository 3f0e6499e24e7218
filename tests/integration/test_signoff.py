"""签收: notices and alerts wait for the addressed unit; unsigned past the working-day limit alerts the office."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from models.db import read_session
from models.services import notices, rankings, scan, signoff
from models.services.errors import Invalid, PermissionDenied
from models.services.notices import Subject
from models.services.notify import deliveries as delivery_rows
from models.settings import get_settings
from models.tables import AuditEvent, Receipt
from tests.conftest import TODAY
from tests.factories import actor, task
from tests.integration.helpers_scan import add_channel, audit_count, count
from tests.mailbox import (
    Mailbox,
    mailbox_fixture,  # noqa: F401 (pytest fixture "mailbox")
)

CHENGGUAN = "县城市管理局"


def _receipts(engine: Engine) -> list[Receipt]:
    with read_session(engine) as s:
        return list(s.execute(select(Receipt).order_by(Receipt.id)).scalars())


def late_mail(mailbox: Mailbox) -> list[str]:
    return [m for m in mailbox.to("gaiban@example.gov.cn") if m.startswith("【未签收】")]


def test_supervision_notice_waits_for_the_lead_unit_to_sign(demo_engine: Engine) -> None:
    office, dept = actor(demo_engine, "gaiban"), actor(demo_engine, "chengguan")
    notice = notices.issue(office, "supervision", Subject(task_id=task(demo_engine, "四.3").id), today=TODAY,
                           engine=demo_engine)
    waiting = [r for r in signoff.mine(dept, today=TODAY, engine=demo_engine) if r["kind"] == "notice"]
    assert len(waiting) == 1 and notice.doc_number in waiting[0]["title"] and not waiting[0]["signed"]
    assert waiting[0]["due_on"] == TODAY + timedelta(days=3)  # Saturday + 2 working days = Tuesday
    with pytest.raises(PermissionDenied):
        signoff.sign(actor(demo_engine, "zhujian"), waiting[0]["id"], engine=demo_engine)
    signoff.sign(dept, waiting[0]["id"], engine=demo_engine)
    with pytest.raises(Invalid):
        signoff.sign(dept, waiting[0]["id"], engine=demo_engine)
    row = next(r for r in signoff.register(today=TODAY, kind="notice", engine=demo_engine) if r["ref_id"] == notice.id)
    assert row["signed"] and row["signed_by"] == "李建国（县城管局）" and row["signed_at"] is not None
    assert count(demo_engine, AuditEvent, AuditEvent.action == "signoff.sign", AuditEvent.outcome == "success") == 1
    assert audit_count(demo_engine, "signoff.sign") == 3  # the refusals are audited too
    # re-issuing with the same key returns the same notice and opens no second receipt
    key = "test:supervision:四.3"
    first = notices.issue(office, "urging", Subject(task_id=task(demo_engine, "四.3").id), today=TODAY,
                          idempotency_key=key, engine=demo_engine)
    notices.issue(office, "urging", Subject(task_id=task(demo_engine, "四.3").id), today=TODAY,
                  idempotency_key=key, engine=demo_engine)
    assert len([r for r in _receipts(demo_engine) if r.ref_id == first.id and r.kind == "notice"]) == 1


def test_alerts_open_receipts_per_member_unit_not_for_groups(demo_engine: Engine) -> None:
    scan.run_scan(TODAY, engine=demo_engine, backoff_s=0)
    receipts = _receipts(demo_engine)
    towns = {r["unit"] for r in signoff.register(today=TODAY, kind="alert", engine=demo_engine)
             if r["task_code"] == "六.1"}
    assert towns == {"城关镇人民政府", "河西镇人民政府", "东湖镇人民政府", "柳林乡人民政府"}  # 各镇人民政府 is a group
    scan.run_scan(TODAY, engine=demo_engine, backoff_s=0)
    assert len(_receipts(demo_engine)) == len(receipts)  # idempotent


def test_unsigned_after_two_working_days_alerts_the_office_once(demo_engine: Engine, mailbox: Mailbox) -> None:
    add_channel(demo_engine, "县城市管理体制改革工作领导小组办公室", mailbox.url("gaiban@example.gov.cn"))
    scan.run_scan(TODAY, engine=demo_engine, backoff_s=0)
    dept = actor(demo_engine, "chengguan")
    mine = signoff.mine(dept, today=TODAY, engine=demo_engine)
    signoff.sign(dept, mine[0]["id"], engine=demo_engine)
    scan.run_scan(TODAY + timedelta(days=3), engine=demo_engine, backoff_s=0)  # Tuesday: due today, not late yet
    assert not late_mail(mailbox)
    scan.run_scan(TODAY + timedelta(days=4), engine=demo_engine, backoff_s=0)  # Wednesday: late
    office_mail = late_mail(mailbox)
    late = [r for r in _receipts(demo_engine) if r.opened_on == TODAY and r.signed_at is None]
    assert office_mail and len(office_mail) == len(late)
    assert any("【未签收】县城市管理局" in m and "2个工作日未签收" in m for m in office_mail)
    topics = {d.topic for d in delivery_rows("signoff:overdue:", engine=demo_engine)}
    assert f"signoff:overdue:{mine[0]['id']}" not in topics and len(topics) == len(late)  # the signed one is not late
    assert all(r.overdue_on == TODAY + timedelta(days=4) for r in late)
    scan.run_scan(TODAY + timedelta(days=5), engine=demo_engine, backoff_s=0)
    later = {d.topic for d in delivery_rows("signoff:overdue:", engine=demo_engine)} - topics
    by_id = {r.id: r for r in _receipts(demo_engine)}
    assert all(by_id[int(t.rsplit(":", 1)[1])].opened_on > TODAY for t in later)  # once per receipt
    assert len(late_mail(mailbox)) == len(office_mail) + len(later)
    now = max(get_settings().today(), TODAY + timedelta(days=5))  # signatures carry the real clock's time
    per_unit = {r["unit"]: r for r in signoff.by_unit(today=now, engine=demo_engine)}
    assert per_unit[CHENGGUAN]["signed"] == 1 and per_unit[CHENGGUAN]["overdue"] == per_unit[CHENGGUAN]["addressed"] - 1
    with read_session(demo_engine) as s:
        ranked = {u["unit"]: u for u in rankings.rank_units(s, as_of=now)}
    assert ranked[CHENGGUAN]["signoff_rate"] == round(1 / per_unit[CHENGGUAN]["addressed"], 4)


def test_bulletin_prints_each_units_signoff_as_of_its_date_adding_up(demo_engine: Engine) -> None:
    """The 通报's ranking table carries 已签/应签 and 签收率 per unit from the same as-of date as the scores."""
    from datetime import date as _date
    from io import BytesIO

    from docx import Document

    from models.documents import NoticeContext, render_notice

    scan.run_scan(TODAY, engine=demo_engine, backoff_s=0)
    dept = actor(demo_engine, "chengguan")
    signoff.sign(dept, signoff.mine(dept, today=TODAY, engine=demo_engine)[0]["id"], engine=demo_engine)
    now = max(get_settings().today(), TODAY)  # signatures carry the real clock's time
    with read_session(demo_engine) as s:
        data = rankings.bulletin_data(s, rankings.Period("week", "本周", now - timedelta(days=6), now))
    doc = Document(BytesIO(render_notice("bulletin", NoticeContext(doc_number=None, issue_date=_date.today(),
                                                                     data=data))))
    table = doc.tables[0]
    header = [c.text for c in table.rows[0].cells]
    assert header[-2:] == ["已签/\n应签", "签收率"]
    rows = {r.cells[1].text.replace("\n", ""): [c.text for c in r.cells] for r in table.rows[1:-1]}
    totals = [c.text for c in table.rows[-1].cells]
    assert totals[0] == "合计"
    per_unit = {r["unit"]: r for r in signoff.by_unit(today=now, engine=demo_engine)}
    mine = rows[CHENGGUAN]
    assert mine[-2] == f"{per_unit[CHENGGUAN]['signed']}/{per_unit[CHENGGUAN]['addressed']}"
    assert per_unit[CHENGGUAN]["signed"] == 1
    assert mine[-1] == f"{100 * per_unit[CHENGGUAN]['signed'] / per_unit[CHENGGUAN]['addressed']:.1f}%"
    listed = [v[-2].split("/") for v in rows.values() if v[-2]]
    total = totals[-2].split("/")
    assert int(total[0]) == sum(int(a) for a, _ in listed) and int(total[1]) == sum(int(b) for _, b in listed)
    assert int(total[1]) == sum(r["addressed"] for name, r in per_unit.items() if name in rows)
