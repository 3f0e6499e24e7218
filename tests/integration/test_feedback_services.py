"""The service side of the web app's feedback (issue 15): an empty progress report is refused, a handover
needs two different units, the confirmation before issuing names the next 文号, and a returned handover
is reported as returned (with who and why) until its sender resubmits."""
from __future__ import annotations

import pytest
from sqlmodel import select

from models.db import read_session
from models.services import handovers, notices, tasks
from models.services.errors import Invalid
from models.services.reads import handovers as handovers_reads
from models.tables import AuditEvent, HandoverStep, ProgressReport
from tests.conftest import TODAY
from tests.factories import actor, handover, task


def test_a_report_with_no_change_no_note_and_no_file_is_refused(demo_engine) -> None:  # type: ignore[no-untyped-def]
    who, t = actor(demo_engine, "chengguan"), task(demo_engine, "四.3")
    with pytest.raises(Invalid, match="本次报告没有新内容"):
        tasks.report_progress(who, task_id=t.id or 0, expected_version=t.version, percent=t.percent, note="  ",
                              today=TODAY, engine=demo_engine)
    with read_session(demo_engine) as s:
        assert not s.exec(select(ProgressReport).where(ProgressReport.task_id == t.id,
                                                       ProgressReport.kind == "progress",
                                                       ProgressReport.created_at > t.updated_at)).all()
        refused = s.exec(select(AuditEvent).where(AuditEvent.action == "task.progress")
                         .order_by(AuditEvent.id.desc())).first()
    assert refused is not None and refused.outcome == "invalid"
    # the same percent with a note is news, and so is a new percent without one
    t = tasks.report_progress(who, task_id=t.id or 0, expected_version=t.version, percent=t.percent,
                              note="已召开协调会", today=TODAY, engine=demo_engine)
    t = tasks.report_progress(who, task_id=t.id or 0, expected_version=t.version, percent=t.percent + 5,
                              today=TODAY, engine=demo_engine)
    assert t.percent == task(demo_engine, "四.3").percent


def test_a_handover_needs_two_different_units(demo_engine) -> None:  # type: ignore[no-untyped-def]
    office, ho = actor(demo_engine, "gaiban"), handover(demo_engine, "staff")
    with pytest.raises(Invalid, match="移交方与接收方不能是同一单位"):
        handovers.create_handover(office, kind="staff", title="同一单位", from_unit_id=ho.from_unit_id,
                                  to_unit_id=ho.from_unit_id, engine=demo_engine)


def test_the_next_numbers_are_those_issuing_then_takes(demo_engine) -> None:  # type: ignore[no-untyped-def]
    office = actor(demo_engine, "gaiban")
    expected = notices.next_numbers("urging", 2, year=TODAY.year, engine=demo_engine)
    assert expected[0].endswith("号") and expected[0] != expected[1]
    notice = notices.issue(office, "urging", notices.Subject(task_id=task(demo_engine, "四.3").id), today=TODAY,
                           engine=demo_engine)
    assert notice.doc_number == expected[0]
    assert notices.next_numbers("urging", year=TODAY.year, engine=demo_engine) == [expected[1]]


def test_a_returned_handover_reads_as_returned_until_the_sender_resubmits(demo_engine) -> None:  # type: ignore[no-untyped-def]
    ho = handover(demo_engine, "staff")
    with read_session(demo_engine) as s:
        step = s.exec(select(HandoverStep).where(HandoverStep.handover_id == ho.id,
                                                 HandoverStep.status == "pending").order_by(HandoverStep.seq)).first()
    assert step is not None and step.party_role == "receiver"
    assert ho.id not in handovers_reads.handover_returns(engine=demo_engine)
    handovers.reject_step(actor(demo_engine, "chengguan"), handover_id=ho.id or 0, step_id=step.id or 0,
                          expected_version=ho.version, reason="名册少一人", engine=demo_engine)
    back = handovers_reads.handover_returns(engine=demo_engine)[ho.id]
    assert back["party_role"] == "receiver" and back["reject_reason"] == "名册少一人"
    assert back["unit"] == "县城市管理局" and back["by"] == "李建国（县城管局）"  # the person, not the login
    ho = handover(demo_engine, "staff")
    with read_session(demo_engine) as s:
        sender = s.exec(select(HandoverStep).where(HandoverStep.handover_id == ho.id, HandoverStep.seq == 1)).one()
        sender_actor = next(u for u in ("zhujian",) if actor(demo_engine, u).unit_id == sender.unit_id)
    handovers.confirm_step(actor(demo_engine, sender_actor), handover_id=ho.id or 0, step_id=sender.id or 0,
                           expected_version=ho.version, today=TODAY, engine=demo_engine)
    assert ho.id not in handovers_reads.handover_returns(engine=demo_engine)
