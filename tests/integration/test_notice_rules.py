"""Rules a 文秘 relies on when issuing: agency settings in one place, no placeholders, no accidental
duplicates, reply-by dates in working days, a register that says what was sent, PDF beside .docx."""
from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest
from sqlmodel import select

from models.db import read_session
from models.services import agencies, notices
from models.services.actor import Actor
from models.services.errors import Invalid, NeedsConfirmation, PermissionDenied
from models.services.reads import notices as notices_reads
from models.tables import AuditEvent, DocNumberCounter, Notice
from tests.conftest import TODAY
from tests.factories import actor, handover, task


def _document_text(docx: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(docx)) as zf:
        return zf.read("word/document.xml").decode()


def test_demo_notices_name_qinghe_and_carry_no_placeholder(demo_engine) -> None:  # type: ignore[no-untyped-def]
    office = actor(demo_engine, "gaiban")
    n = notices.issue(office, "urging", notices.Subject(task_id=task(demo_engine, "四.4").id), today=TODAY,
                      engine=demo_engine)
    xml = _document_text(notices.download(office, n.id, engine=demo_engine)[1])
    assert "清河县城市管理体制改革工作领导小组办公室" in xml and "××" not in xml and "$" not in xml


def test_office_edits_agency_settings_audited_and_notices_follow(demo_engine) -> None:  # type: ignore[no-untyped-def]
    office = actor(demo_engine, "gaiban")
    current = agencies.settings(demo_engine)
    staffing = dict(current["agencies"]["staffing"])
    staffing["mark"] = "中共清河县委编办文件"
    staffing["series"] = {"main": "清编办发"}
    agencies.update(office, county="清河县", agencies={"staffing": staffing}, reply_days=7, engine=demo_engine)
    with pytest.raises(PermissionDenied):
        agencies.update(actor(demo_engine, "zhujian"), county="清河县", agencies={}, engine=demo_engine)
    with pytest.raises(Invalid, match="占位符"):
        agencies.update(office, county="清河县", agencies={"office": {"signature": "××县改革办"}}, engine=demo_engine)
    with read_session(demo_engine) as s:
        events = s.exec(select(AuditEvent).where(AuditEvent.action == "config.agencies")).all()
    assert sorted(e.outcome for e in events) == ["denied", "invalid", "success"]
    events = [e for e in events if e.outcome == "success"]
    assert events[0].after["agencies"]["staffing"]["mark"] == "中共清河县委编办文件"
    n = notices.issue(actor(demo_engine, "bianban"), "staff-transfer",
                      notices.Subject(handover_id=handover(demo_engine, "staff").id), today=TODAY, engine=demo_engine)
    assert n.doc_number == "清编办发〔2026〕1号"
    assert "中共清河县委编办文件" in _document_text(notices.download(office, n.id, engine=demo_engine)[1])
    assert agencies.options(demo_engine) == {"reply_workdays": 7}


def test_placeholder_refuses_and_takes_no_number(demo_engine) -> None:  # type: ignore[no-untyped-def]
    office = actor(demo_engine, "gaiban")
    subject = notices.Subject(task_id=task(demo_engine, "四.4").id)
    with read_session(demo_engine) as s:  # the demo's handover lists and 交接确认书
        issued, counters = s.exec(select(Notice)).all(), s.exec(select(DocNumberCounter)).all()
    with pytest.raises(Invalid, match=r"占位符：\{\{、\}\}"):
        notices.issue(office, "urging", subject, overrides={"extra_body": "请{{ 联系人 }}于周五前回复。"}, today=TODAY,
                      engine=demo_engine)
    found = notices.inspect(office, "urging", subject, overrides={"extra_body": "$contact 请回复"}, today=TODAY,
                            engine=demo_engine)
    assert found.placeholders == ["$contact"]
    with read_session(demo_engine) as s:
        assert s.exec(select(Notice)).all() == issued and s.exec(select(DocNumberCounter)).all() == counters


def test_second_notice_for_the_same_subject_asks_and_names_the_first(demo_engine) -> None:  # type: ignore[no-untyped-def]
    office = actor(demo_engine, "gaiban")
    subject = notices.Subject(task_id=task(demo_engine, "四.4").id)
    first = notices.issue(office, "urging", subject, today=TODAY, engine=demo_engine)
    with pytest.raises(NeedsConfirmation, match=first.doc_number):
        notices.issue(office, "urging", subject, today=TODAY, engine=demo_engine)
    assert notices.inspect(office, "urging", subject, today=TODAY, engine=demo_engine).existing
    again = notices.issue(office, "urging", subject, today=TODAY, engine=demo_engine, confirm=True)
    assert again.doc_number.endswith("〕2号")
    # automation (an idempotency key) reuses what exists instead of issuing an identical notice
    reused = notices.issue(Actor.system("flow"), "urging", subject, idempotency_key="urging:x", today=TODAY,
                           engine=demo_engine)
    assert reused.id == first.id
    ho = notices.Subject(handover_id=handover(demo_engine, "staff").id)
    staffing = actor(demo_engine, "bianban")
    est = notices.issue(staffing, "staff-transfer", ho, today=TODAY, engine=demo_engine)
    assert notices.issue(Actor.system("handover"), "staff-transfer", ho, idempotency_key="handover:k",
                         today=TODAY, engine=demo_engine).id == est.id


def test_reply_by_is_working_days_after_issue_and_not_after_the_deadline(demo_engine) -> None:  # type: ignore[no-untyped-def]
    from models.services.notices import reply_by
    from models.services.scheduling import load_calendar

    with read_session(demo_engine) as s:
        cal = load_calendar(s)
        monday = date(2026, 11, 30)
        due = reply_by(s, monday, None)
        assert due > monday and cal.workdays_between(monday, due) == 5 and due == date(2026, 12, 7)
        assert reply_by(s, monday, date(2026, 12, 2)) == date(2026, 12, 2)  # the 办结时限 comes first
        assert reply_by(s, date(2026, 9, 30), date(2026, 10, 9)) == date(2026, 10, 9)  # 国庆: 10月9日 is the 5th
    office = actor(demo_engine, "gaiban")
    title, docx = notices.preview(office, "supervision", notices.Subject(task_id=task(demo_engine, "四.4").id),
                                  today=TODAY, engine=demo_engine)
    xml = _document_text(docx)
    assert "2026年11月27日（原定完成时限" in xml and "于2026年11月27日前连同办理情况" in xml


def test_register_shows_filled_recipients_and_the_issuing_agency(demo_engine) -> None:  # type: ignore[no-untyped-def]
    ho = handover(demo_engine, "staff")
    notices.issue(Actor.system("handover"), "staff-transfer", notices.Subject(handover_id=ho.id), today=TODAY,
                  engine=demo_engine)
    row = notices_reads.notice_register(year=2026, engine=demo_engine)[0]
    assert "$" not in row["recipients"] and "县住房和城乡建设局" in row["recipients"]
    assert row["issued_by"] == "中共清河县委机构编制委员会办公室"


def test_issued_notice_downloads_as_pdf_too(demo_engine, libreoffice) -> None:  # type: ignore[no-untyped-def]
    office = actor(demo_engine, "gaiban")
    n = notices.issue(office, "supervision", notices.Subject(task_id=task(demo_engine, "四.4").id), today=TODAY,
                      engine=demo_engine)
    name, pdf = notices.download_pdf(office, n.id, engine=demo_engine)
    assert name == f"{n.doc_number}_督办通知单.pdf" and pdf.startswith(b"%PDF")
    assert notices.download_pdf(office, n.id, engine=demo_engine)[1] == pdf  # kept beside the .docx
    with pytest.raises(PermissionDenied):
        notices.download_pdf(actor(demo_engine, "zhujian"), n.id, engine=demo_engine)


def test_issue_plan_counts_tasks_not_group_headings(demo_engine) -> None:  # type: ignore[no-untyped-def]
    _, docx = notices.preview(actor(demo_engine, "gaiban"), "issue-plan", today=TODAY, engine=demo_engine)
    xml = _document_text(docx)
    assert "方案共确定改革任务29项" in xml and ">29项<" in xml  # 37 rows in the plan, 8 of them group headings
