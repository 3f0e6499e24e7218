"""The real flows under the Prefect harness, against the demo database (SQLite and PostgreSQL)."""
from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine

from flows import client
from flows.deadline_scan import deadline_scan, schedule
from flows.handover import advance_handover
from flows.notices import issue_notices
from flows.reports import bulletin
from models.db import read_session
from models.services import handovers
from models.tables import OpsRun
from tests import factories
from tests.conftest import TODAY
from tests.integration.helpers_scan import add_channel, alerts, count, notices
from tests.mailbox import (
    Mailbox,
    mailbox_fixture,  # noqa: F401 (pytest fixture "mailbox")
)


def test_scan_runs_daily_at_0830_shanghai() -> None:
    from prefect.server.schemas.schedules import CronSchedule

    cron = schedule()
    dates = asyncio.run(CronSchedule(cron=cron.cron, timezone=cron.timezone).get_dates(
        n=5, start=datetime(2026, 11, 21, tzinfo=UTC)))
    assert [d.isoformat() for d in dates] == [f"2026-11-{day}T08:30:00+08:00" for day in range(21, 26)]


def test_deadline_scan_flow_alerts_and_records_run(app_db: Engine) -> None:
    stats = deadline_scan(today=TODAY.isoformat())
    assert stats["alerts"]["urging"] > 0 and stats["alerts"]["reminder"] > 0
    assert ("四.4", "urging", TODAY.isoformat()) in alerts(app_db)
    again = deadline_scan(today=TODAY.isoformat())
    assert sum(again["alerts"].values()) == 0
    assert count(app_db, OpsRun, OpsRun.kind == "scan", OpsRun.status == "success") == 2


def _confirm_current(engine: Engine, username: str) -> handovers.StepOutcome:
    ho = factories.handover(engine, "archive")
    with read_session(engine) as s:
        step = handovers.current_step(handovers.steps_of(s, ho.id or 0))
    assert step is not None
    return handovers.confirm_step(factories.actor(engine, username), handover_id=ho.id or 0, step_id=step.id or 0,
                                  expected_version=ho.version, engine=engine)


def test_handover_flow_documents_and_notifies_each_party(app_db: Engine, mailbox: Mailbox) -> None:
    sender, receiver, archives = "zj@example.gov.cn", "cg@example.gov.cn", "da@example.gov.cn"
    add_channel(app_db, "县住房和城乡建设局", mailbox.url(sender))
    add_channel(app_db, "县城市管理局", mailbox.url(receiver))
    add_channel(app_db, "县档案局", mailbox.url(archives))
    ho = factories.handover(app_db, "archive")
    handovers.start(factories.actor(app_db, "gaiban"), handover_id=ho.id or 0, expected_version=ho.version,
                    engine=app_db)
    result = advance_handover(ho.id or 0)
    lists = notices(app_db, "archive-list")
    assert len(lists) == 1 and result["list_notice_id"] == lists[0].id
    assert any("已启动" in m and lists[0].doc_number in m for m in mailbox.to(sender))
    assert any("已启动" in m for m in mailbox.to(archives))

    _confirm_current(app_db, "zhujian")
    advance_handover(ho.id or 0)
    assert any("【待确认】" in m and "接收方" in m for m in mailbox.to(receiver))
    _confirm_current(app_db, "chengguan")
    advance_handover(ho.id or 0)
    assert any("【待确认】" in m and "监督方" in m for m in mailbox.to(archives))
    outcome = _confirm_current(app_db, "dangan")
    assert outcome.completed and outcome.released_task_ids
    result = advance_handover(ho.id or 0)
    confirmations = [n for n in notices(app_db, "handover-confirmation") if n.handover_id == ho.id]
    assert len(confirmations) == 1 and result["confirmation_notice_id"] == confirmations[0].id
    assert any("交接完成" in m and confirmations[0].doc_number in m for m in mailbox.to(sender))
    # 三.5 depended on the archive task 三.3: its lead (县城市管理局) hears it is released
    released = [m for m in mailbox.to(receiver) if "【任务可启动】三.5" in m]
    assert len(released) == 1 and "三.1" in released[0]  # other predecessors still open
    # advancing again (a retried or duplicated trigger) changes nothing
    sent = len(mailbox.messages)
    advance_handover(ho.id or 0)
    assert len(mailbox.messages) == sent
    assert len(notices(app_db, "archive-list")) == 1
    assert [n.id for n in notices(app_db, "handover-confirmation") if n.handover_id == ho.id] == [confirmations[0].id]


def test_bulletin_flow_issues_once_per_period(app_db: Engine) -> None:
    first = bulletin(period="week", today=TODAY.isoformat())
    second = bulletin(period="week", today=TODAY.isoformat())
    assert first["doc_number"] == second["doc_number"]
    assert first["period"]["label"] == "2026年第46周" and first["red_list"]
    assert [n.title for n in notices(app_db, "bulletin")] == ["关于2026年第46周全县机构改革任务推进情况的通报"]


def test_issue_notices_flow_returns_ids_and_is_idempotent(app_db: Engine) -> None:
    ids = [factories.task(app_db, c).id for c in ("四.4", "六.1")]
    first = issue_notices(task_ids=ids, today=TODAY.isoformat())
    again = issue_notices(task_ids=ids, today=TODAY.isoformat())
    assert first["count"] == 2 and first["notice_ids"] == again["notice_ids"]
    assert [n.task_id for n in notices(app_db, "supervision")] == ids


def test_client_runs_in_process_without_server(app_db: Engine) -> None:
    started = time.perf_counter()
    outcome = client.run("deadline-scan", {"today": (TODAY + timedelta(days=4)).isoformat()})
    assert time.perf_counter() - started < 3  # no temporary Prefect server
    assert outcome.done and outcome.id is None
    assert outcome.result["alerts"]["supervision"] > 0
    with pytest.raises(ValueError):
        client.run("no-such-flow")


def test_a_run_refused_for_a_bad_parameter_is_recorded_as_failed(app_db: Engine) -> None:
    from models.services.errors import Invalid

    with pytest.raises(Invalid):
        deadline_scan(today="2026-13-45")
    with read_session(app_db) as s:
        run = s.query(OpsRun).filter(OpsRun.kind == "scan").one()
    assert run.status == "failed" and run.ref  # recorded under its flow-run id
    assert run.stats["failed_step"] == "参数检查" and "2026-13-45" in run.stats["error"]
    assert run.stats["params"] == {"today": "2026-13-45"}


def test_a_failing_step_is_recorded_with_its_name_and_reason(app_db: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    from models.services import bulletins, ops

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("LibreOffice 未响应")

    monkeypatch.setattr(bulletins.notices, "issue", broken)
    with pytest.raises(RuntimeError):
        bulletin(period="week", today=TODAY.isoformat())
    failure = next(f for f in ops.status().failures if f.kind == "bulletin")
    assert (failure.day, failure.step) == (TODAY.isoformat(), "印发通报")
    assert "LibreOffice 未响应" in failure.message


def test_plan_import_flow_parses_a_file_and_is_idempotent(app_db: Engine) -> None:
    from pathlib import Path

    from flows.plan_import import plan_import
    from models.importing import parse_plan
    from models.services.errors import Invalid

    sample = next((Path(__file__).resolve().parents[2] / "data" / "sample_plans").glob("*.txt"))
    with pytest.raises(Invalid, match="未对应到系统中的单位"):  # unsettled unit names are refused (#14)
        plan_import(path=str(sample))
    parsed = parse_plan(sample.read_bytes(), sample.name)
    draft = {**parsed.to_dict(), "unit_decisions": {n: {"action": "unassigned"}
                                                    for t in parsed.tasks for n in t.unit_mentions}}
    first = plan_import(draft=draft, fingerprint=parsed.fingerprint, source_filename=sample.name)
    again = plan_import(draft=draft, fingerprint=parsed.fingerprint, source_filename=sample.name)
    assert first["status"] == "created" and first["tasks"] > 5
    assert (again["status"], again["plan_id"]) == ("unchanged", first["plan_id"])
    from models.tables import Task

    with read_session(app_db) as s:  # published with its schedule computed in the same transaction
        lights = {t.light for t in s.query(Task).filter(Task.plan_id == first["plan_id"])}
    assert lights and None not in lights
