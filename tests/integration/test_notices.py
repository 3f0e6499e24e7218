"""The 文号 register: per 代字 per year, from 1, no gaps or duplicates under concurrency, voids kept."""
from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from sqlmodel import select

from models.db import read_session
from models.documents import DOC_NUMBER_RE
from models.services import notices
from models.services.actor import Actor
from models.services.errors import Invalid, PermissionDenied
from models.tables import Notice
from tests.conftest import TODAY
from tests.factories import actor, handover, task


def test_twenty_notices_issued_at_the_same_moment_get_1_to_20(demo_engine) -> None:  # type: ignore[no-untyped-def]
    office = actor(demo_engine, "gaiban")
    task_id = task(demo_engine, "四.4").id

    def issue(_: int) -> str:
        return notices.issue(office, "supervision", notices.Subject(task_id=task_id), today=TODAY,
                             engine=demo_engine, confirm=True).doc_number

    with ThreadPoolExecutor(20) as pool:
        numbers = list(pool.map(issue, range(20)))
    assert all(DOC_NUMBER_RE.match(n) for n in numbers)
    assert sorted(int(re.search(r"〕(\d+)号", n).group(1)) for n in numbers) == list(range(1, 21))  # type: ignore[union-attr]


def test_numbers_restart_each_year_and_are_per_code(demo_engine) -> None:  # type: ignore[no-untyped-def]
    office = actor(demo_engine, "gaiban")
    subject = notices.Subject(task_id=task(demo_engine, "四.4").id)
    a = notices.issue(office, "supervision", subject, today=TODAY, engine=demo_engine)
    b = notices.issue(office, "urging", subject, today=TODAY, engine=demo_engine)
    c = notices.issue(office, "supervision", subject, today=date(2027, 1, 4), engine=demo_engine, confirm=True)
    assert (a.doc_number, b.doc_number, c.doc_number) == ("县改办督〔2026〕1号", "县改办函〔2026〕1号", "县改办督〔2027〕1号")


def test_voided_number_stays_recorded_and_is_not_reused(demo_engine) -> None:  # type: ignore[no-untyped-def]
    office = actor(demo_engine, "gaiban")
    subject = notices.Subject(task_id=task(demo_engine, "四.4").id)
    first = notices.issue(office, "supervision", subject, today=TODAY, engine=demo_engine)
    with pytest.raises(Invalid):
        notices.void(office, first.id, reason=" ", engine=demo_engine)
    notices.void(office, first.id, reason="事项已办结", engine=demo_engine)
    second = notices.issue(office, "supervision", subject, today=TODAY, engine=demo_engine)
    assert second.doc_number.endswith("〕2号")
    with read_session(demo_engine) as s:
        rows = {n.doc_number: n.status for n in s.exec(select(Notice).where(Notice.kind == "supervision")).all()}
    assert rows == {first.doc_number: "voided", second.doc_number: "issued"}


def test_idempotency_key_returns_the_notice_already_issued(demo_engine) -> None:  # type: ignore[no-untyped-def]
    system = Actor.system("scan")
    subject = notices.Subject(task_id=task(demo_engine, "四.4").id)
    key = f"supervision:task:{subject.task_id}:{TODAY}"
    with ThreadPoolExecutor(4) as pool:
        ids = set(pool.map(lambda _: notices.issue(system, "supervision", subject, idempotency_key=key, today=TODAY,
                                                   engine=demo_engine).id, range(4)))
    assert len(ids) == 1


def test_preview_allocates_nothing_and_staffing_is_limited_to_its_kinds(demo_engine) -> None:  # type: ignore[no-untyped-def]
    staffing = actor(demo_engine, "bianban")
    with read_session(demo_engine) as s:
        before = s.exec(select(Notice)).all()  # the demo's handover lists and 交接确认书
    title, docx = notices.preview(staffing, "staff-transfer", notices.Subject(handover_id=handover(demo_engine, "staff").id),
                                  today=TODAY, engine=demo_engine)
    assert "划转" in title and docx[:2] == b"PK"
    with read_session(demo_engine) as s:
        assert s.exec(select(Notice)).all() == before
    with pytest.raises(PermissionDenied):
        notices.issue(staffing, "supervision", notices.Subject(task_id=task(demo_engine, "四.4").id),
                      engine=demo_engine)


def test_department_downloads_only_notices_of_its_own_unit(demo_engine) -> None:  # type: ignore[no-untyped-def]
    office = actor(demo_engine, "gaiban")
    n = notices.issue(office, "supervision", notices.Subject(task_id=task(demo_engine, "四.4").id), today=TODAY,
                      engine=demo_engine)  # lead: 县综合行政执法局; supporting: 市场监管, 生态环境
    with pytest.raises(PermissionDenied):
        notices.download(actor(demo_engine, "zhujian"), n.id, engine=demo_engine)
    name, data = notices.download(actor(demo_engine, "lingdao"), n.id, engine=demo_engine)
    assert name.startswith(n.doc_number) and name.endswith(".docx") and data[:2] == b"PK"


@pytest.mark.parametrize("public, printed", [("https://dbxt.qinghe.gov.cn", True), ("http://localhost:8501", False)])
def test_urging_letter_prints_the_task_link_only_at_a_reachable_address(demo_engine, monkeypatch, public,
                                                                         printed) -> None:  # type: ignore[no-untyped-def]
    """The 催办函 carries the task's stable link (where the unit reports), never a localhost address."""
    import io

    import docx

    from models.settings import get_settings

    monkeypatch.setenv("REFORM_PUBLIC_URL", public)
    get_settings.cache_clear()
    try:
        t = task(demo_engine, "四.4")
        _, data = notices.preview(actor(demo_engine, "gaiban"), "urging", notices.Subject(task_id=t.id),
                                  today=TODAY, engine=demo_engine)
    finally:
        get_settings.cache_clear()
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    link = f"{public}/tasks?plan={t.plan_id}&task=四.4"
    assert (link in text) is printed
    assert "督办系统查看、填报" in text and "localhost" not in text
