"""Deadline scan: alert levels, escalation over days, idempotent re-runs, crash safety, liveness."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.engine import Engine

from models.db import read_session, write_session
from models.services import scan, tasks
from models.tables import Alert, OpsRun
from tests import factories
from tests.conftest import TODAY
from tests.integration.helpers_scan import alerts, audit_count, count, lights, notices

ROOT = Path(__file__).resolve().parents[2]


def test_first_scan_reminds_yellow_and_urges_red_never_finished(demo_engine: Engine) -> None:
    stats = scan.run_scan(TODAY, engine=demo_engine)
    state = lights(demo_engine)
    got = {(code, level) for code, level, _ in alerts(demo_engine)}
    unfinished = {c for c, (st, _) in state.items() if st in ("not_started", "in_progress")}
    assert {c for c, lvl in got if lvl == "reminder"} == {c for c in unfinished if state[c][1] == "yellow"}
    assert {c for c, lvl in got if lvl == "urging"} == {c for c in unfinished if state[c][1] == "red"}
    assert ("五.4", "reminder") in got and ("四.4", "urging") in got  # due in 3 days / 25 days overdue
    finished = {c for c, (st, _) in state.items() if st in ("pending_review", "done")}
    assert finished and not finished & {c for c, _ in got}
    assert not {"一", "二", "三"} & {c for c, _ in got}  # parent tasks are not alerted
    assert stats["alerts"]["supervision"] == 0 and stats["alerts"]["interview"] == 0


def test_rerun_same_day_creates_nothing_new(demo_engine: Engine) -> None:
    scan.run_scan(TODAY, engine=demo_engine)
    first = alerts(demo_engine)
    stats = scan.run_scan(TODAY, engine=demo_engine)
    assert alerts(demo_engine) == first
    assert sum(stats["alerts"].values()) == 0
    assert audit_count(demo_engine, "scan.alerts") == 1


# TODAY is Saturday 2026-11-21: the third working day of red is Wednesday 11-25, the tenth Friday 12-04.
DAY3 = TODAY + timedelta(days=4)
DAY10 = TODAY + timedelta(days=13)


def test_escalation_supervision_notice_then_interview(demo_engine: Engine) -> None:
    scan.run_scan(TODAY, engine=demo_engine)
    assert not alerts(demo_engine, level="supervision")
    scan.run_scan(DAY3 - timedelta(days=1), engine=demo_engine)  # two working days red: not yet
    assert not alerts(demo_engine, level="supervision")
    day3 = DAY3
    stats = scan.run_scan(day3, engine=demo_engine)
    sup = alerts(demo_engine, level="supervision")
    assert sup and all(day == day3.isoformat() for _, _, day in sup)
    issued = notices(demo_engine, "supervision")
    assert len(issued) == len(sup) == len(stats["notices"])
    assert len({n.doc_number for n in issued}) == len(issued)
    assert all(n.idempotency_key == f"supervision:task:{n.task_id}:{day3}" for n in issued)
    with read_session(demo_engine) as s:
        assert all(a.notice_id for a in s.query(Alert).filter(Alert.level == "supervision"))
    assert ("四.4", "supervision", day3.isoformat()) in sup
    # the next day nothing is re-issued; ten red days later the interview flag appears
    scan.run_scan(day3 + timedelta(days=1), engine=demo_engine)
    assert len(notices(demo_engine, "supervision")) == len(issued)
    scan.run_scan(DAY10 - timedelta(days=1), engine=demo_engine)  # nine working days
    assert not alerts(demo_engine, level="interview")
    scan.run_scan(DAY10, engine=demo_engine)
    interview = {c for c, _, _ in alerts(demo_engine, level="interview")}
    assert "四.4" in interview and interview <= {c for c, _, _ in sup}


def test_task_reported_done_is_not_alerted(demo_engine: Engine) -> None:
    task = factories.task(demo_engine, "四.3")
    tasks.report_done(factories.actor(demo_engine, "chengguan"), task_id=task.id or 0,
                      expected_version=task.version, note="已建立机制", today=TODAY, engine=demo_engine)
    scan.run_scan(TODAY, engine=demo_engine)
    assert lights(demo_engine)["四.3"][0] == "pending_review"
    assert "四.3" not in {c for c, _, _ in alerts(demo_engine)}


CRASH_SCRIPT = textwrap.dedent("""
    import os, signal, sys
    from datetime import date
    from models.db import engine_for
    from models.services import scan
    engine = engine_for(os.environ["CRASH_DB"])
    day = date.fromisoformat(sys.argv[1])
    scan.recompute_all(day, engine=engine)
    scan.create_alerts(day, engine=engine)
    def die(*a, **k):  # the first 督办通知单 is committed, its alert not yet linked
        os.kill(os.getpid(), signal.SIGKILL)
    scan._link = die
    scan.issue_supervision(day, engine=engine)
""")


def test_killed_scan_rerun_leaves_one_alert_one_number_one_audit(demo_engine: Engine) -> None:
    scan.run_scan(TODAY, engine=demo_engine)
    issued_before = audit_count(demo_engine, "notice.issue")  # the demo's handover documents
    day3 = DAY3
    env = {**os.environ, "CRASH_DB": demo_engine.url.render_as_string(hide_password=False),
           "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", CRASH_SCRIPT, day3.isoformat()], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert len(notices(demo_engine, "supervision")) == 1  # committed before the kill
    alerts_before = alerts(demo_engine)
    scan.run_scan(day3, engine=demo_engine)
    assert alerts(demo_engine) == alerts_before  # nothing duplicated by the re-run
    sup = alerts(demo_engine, level="supervision")
    issued = notices(demo_engine, "supervision")
    assert len(issued) == len(sup) and len({n.doc_number for n in issued}) == len(issued)
    assert [n.seq for n in issued] == list(range(issued[0].seq, issued[0].seq + len(issued)))  # no gap
    assert audit_count(demo_engine, "notice.issue") == issued_before + len(issued)
    assert audit_count(demo_engine, "notice.issue_repeat") == 0
    assert audit_count(demo_engine, "scan.alerts") == 2  # one per day with new alerts


def test_liveness_alerts_after_26_hours(demo_engine: Engine) -> None:
    now = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
    with read_session(demo_engine) as s:
        assert "从未成功" in (scan.liveness(s, now) or "")
    with write_session(demo_engine) as s:
        s.add(OpsRun(kind="scan", status="failed", finished_at=now - timedelta(hours=1)))
        s.add(OpsRun(kind="scan", status="success", finished_at=now - timedelta(hours=25)))
    with read_session(demo_engine) as s:
        assert scan.liveness(s, now) is None
        message = scan.liveness(s, now + timedelta(hours=2))
    assert message and "26小时" in message


def test_scan_records_ops_run(demo_engine: Engine) -> None:
    scan.run_scan(TODAY, engine=demo_engine)
    assert count(demo_engine, OpsRun, OpsRun.kind == "scan", OpsRun.status == "success") == 1
    with write_session(demo_engine) as s:  # a failing step is recorded as failed, then raised
        s.execute(update(OpsRun).values(status="success"))
    with read_session(demo_engine) as s:
        assert scan.liveness(s, datetime.now(UTC)) is None
