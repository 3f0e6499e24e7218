"""Failures are visible where the office looks: a failed scan or bulletin on 总览 and 预警与督办 with its
day, the step that failed and the reason; no successful scan for 26 hours shows a warning on 总览."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models.db import write_session
from models.tables import OpsRun
from tests.ui.conftest import goto, login, texts


def _run(engine, kind: str, status: str, hours_ago: float, **stats: object) -> None:  # type: ignore[no-untyped-def]
    with write_session(engine) as s:
        s.add(OpsRun(kind=kind, status=status, finished_at=datetime.now(UTC) - timedelta(hours=hours_ago),
                     stats=dict(stats)))


def test_a_failed_scan_shows_its_day_step_and_reason_on_overview_and_alerts(app_db) -> None:  # type: ignore[no-untyped-def]
    _run(app_db, "scan", "success", 2, today="2026-11-20")
    _run(app_db, "scan", "failed", 1, today="2026-11-21", failed_step="印发督办通知单", error="LibreOffice 未响应")
    at = login("gaiban")
    page = texts(at)
    assert "督办扫描（2026-11-21）失败：印发督办通知单环节出错——LibreOffice 未响应" in page
    assert "26小时" not in page  # a scan succeeded two hours ago
    page = texts(goto(at, "alerts"))
    assert "督办扫描（2026-11-21）失败" in page


def test_a_later_success_clears_the_failure_and_a_stale_scan_warns(app_db) -> None:  # type: ignore[no-untyped-def]
    _run(app_db, "bulletin", "failed", 40, today="2026-11-16", failed_step="印发通报", error="磁盘已满")
    _run(app_db, "bulletin", "success", 30, today="2026-11-16")
    _run(app_db, "scan", "success", 30, today="2026-11-20")
    page = texts(login("gaiban"))
    assert "进展通报" not in page or "失败" not in page
    assert "督办扫描已超过26小时未成功运行" in page


def test_departments_and_leaders_are_not_shown_the_automation_health(app_db) -> None:  # type: ignore[no-untyped-def]
    _run(app_db, "scan", "failed", 1, today="2026-11-21", failed_step="生成预警", error="数据库忙")
    assert "督办扫描（2026-11-21）失败" not in texts(login("lingdao"))
