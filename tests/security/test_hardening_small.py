"""Issue #20 point 6: the smaller findings, each on SQLite and PostgreSQL.

Before: after ``demo generate`` PostgreSQL sequences lagged (UniqueViolation on the next insert); a NUL
byte in a login name, file name or note raised psycopg DataError (at login: no uniform message, no
audit); purge by non-auditors, notice preview by a department and not-found downloads were refused
without an audit event; changing one's own password left the other sessions alive; nothing ran the
retention purge.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import select

from models.db import read_session, write_session
from models.demo import synthetic
from models.services import accounts, admin, notices, retention, tasks
from models.services.accounts import LOGIN_FAILED, AuthFailed, SessionExpired, login, validate_session
from models.services.actor import Actor
from models.services.errors import Invalid, NotFound, PermissionDenied
from models.services.tasks import Upload
from models.tables import AuditEvent, ProgressReport, Task, Unit
from tests.factories import actor
from tests.security.conftest import STRONG, audit_rows, chain_ok, make_user


def test_ordinary_inserts_work_after_demo_generate(engine: Engine) -> None:
    synthetic.generate(counties=2, today=date(2026, 11, 21), engine=engine)
    with write_session(engine) as session:  # ids from the sequences, after rows with explicit ids
        session.add(Unit(name="新设单位"))
        first = session.exec(select(Task)).first()
        assert first is not None
        session.add(ProgressReport(task_id=first.id or 0, kind="progress", percent=10, note="ok"))
    with read_session(engine) as session:
        assert session.exec(select(Unit).where(Unit.name == "新设单位")).one().id


@pytest.mark.parametrize("name", ["gaiban\x00", "\x00", "gai\x00ban' OR 1=1"])
def test_nul_in_a_login_name_fails_like_any_wrong_login_and_is_audited(demo: Engine, name: str) -> None:
    with pytest.raises(AuthFailed) as exc:
        login(name, "whatever", engine=demo)
    assert exc.value.message == LOGIN_FAILED
    event = audit_rows(demo, action="auth.login", outcome="denied")[-1]
    assert event.after["reason"] == "unknown_user" and "\x00" not in event.actor_name and "\\x00" in event.actor_name
    assert chain_ok(demo).ok


def test_nul_in_a_note_or_file_name_is_refused_with_a_message_and_audited(demo: Engine) -> None:
    who = actor(demo, "chengguan")
    with read_session(demo) as s:
        task = s.exec(select(Task).where(Task.code == "四.3")).one()
    with pytest.raises(Invalid, match="控制字符"):
        tasks.report_progress(who, task_id=task.id or 0, expected_version=task.version, percent=40,
                              note="进展\x00顺利", engine=demo)
    with pytest.raises(Invalid, match="控制字符"):
        tasks.report_progress(who, task_id=task.id or 0, expected_version=task.version, percent=40,
                              uploads=[Upload("照片\x00.txt", "现场情况良好".encode())], engine=demo)
    denied = audit_rows(demo, action="task.progress")[-2:]
    assert [e.outcome for e in denied] == ["invalid", "invalid"]
    with read_session(demo) as s:
        assert s.get(Task, task.id).version == task.version  # type: ignore[union-attr]


def test_nul_anywhere_else_is_refused_by_the_database_layer_on_both_backends(demo: Engine) -> None:
    """A service without its own check (a channel label) still gets the Chinese refusal, audited."""
    sysadmin = actor(demo, "sysadmin")
    with pytest.raises(Invalid, match="NUL"):
        admin.add_channel(sysadmin, unit_name="县城市管理局", url="mailto://a@b.cn", label="值班\x00", engine=demo)
    assert audit_rows(demo, action="config.channel_add")[-1].outcome == "invalid"
    with pytest.raises(Invalid, match="控制字符"):
        accounts.create_user(sysadmin, username="bad\x01name", display_name="x", role="office", engine=demo)


def test_refusals_that_were_not_audited(demo: Engine) -> None:
    dept = actor(demo, "chengguan")
    with pytest.raises(PermissionDenied):
        retention.purge(dept, engine=demo)
    with pytest.raises(PermissionDenied):
        retention.purge(actor(demo, "sysadmin"), engine=demo)
    with pytest.raises(PermissionDenied):
        notices.preview(dept, "supervision", engine=demo)
    with pytest.raises(NotFound):
        notices.download(dept, 999_999, engine=demo)
    with pytest.raises(NotFound):
        tasks.evidence_for_download(dept, 999_999, engine=demo)
    outcomes = {(e.action, e.actor_name, e.outcome) for e in audit_rows(demo)[-5:]}
    assert outcomes == {("audit.purge", "chengguan", "denied"), ("audit.purge", "sysadmin", "denied"),
                        ("notice.preview", "chengguan", "denied"), ("notice.download", "chengguan", "invalid"),
                        ("evidence.download", "chengguan", "invalid")}


def test_own_password_change_ends_the_other_sessions_only(engine: Engine) -> None:
    make_user(engine, "clerk", "office", password=STRONG)
    here, elsewhere = login("clerk", STRONG, engine=engine), login("clerk", STRONG, engine=engine)
    accounts.change_password(here.actor, old_password=STRONG, new_password=STRONG + "-2026", engine=engine)
    assert validate_session(here.token, engine=engine).actor.username == "clerk"
    with pytest.raises(SessionExpired):
        validate_session(elsewhere.token, engine=engine)
    assert audit_rows(engine, action="user.change_password")[-1].after["other_sessions_ended"] == 1


def _age_events(engine: Engine, days: int) -> int:
    """Make the oldest events look old (test setup: the triggers guard only young rows' removal)."""
    old = (datetime.now(UTC) - timedelta(days=days)).isoformat()
    with write_session(engine) as session:
        ids = [e.id for e in session.exec(select(AuditEvent).order_by(AuditEvent.id).limit(3)).all()]  # type: ignore[arg-type]
    from sqlalchemy import text

    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER IF EXISTS auditevent_no_update"))
        else:
            conn.execute(text("ALTER TABLE auditevent DISABLE TRIGGER auditevent_row_guard"))
        conn.execute(update(AuditEvent).where(AuditEvent.id.in_(ids)).values(ts=old))  # type: ignore[attr-defined]
    return len(ids)


def test_scheduled_purge_follows_the_auditors_policy(engine: Engine) -> None:
    aud = make_user(engine, "aud", "auditor")
    make_user(engine, "x", "office")
    assert retention.scheduled_purge(engine=engine)["purged"] == 0  # off by default
    with pytest.raises(PermissionDenied):
        retention.set_policy(Actor.system("test"), auto_purge=True, retention_days=200, engine=engine)
    with pytest.raises(Invalid, match="184"):
        retention.set_policy(aud, auto_purge=True, retention_days=100, engine=engine)
    retention.set_policy(aud, auto_purge=True, retention_days=200, engine=engine)
    aged = _age_events(engine, 400)
    result = retention.scheduled_purge(engine=engine)
    assert result["purged"] == aged and result["auditor"] == "aud"
    purge_event = audit_rows(engine, action="audit.purge")[-1]
    assert purge_event.actor_name == "aud" and purge_event.client_addr == "schedule"
    assert retention.recent_purges(engine)[0]["actor"] == "aud"


def test_the_retention_flow_is_scheduled_daily() -> None:
    from pathlib import Path

    import yaml

    from flows.registry import USE_CASES
    from flows.serve import schedules_for

    spec = yaml.safe_load((Path(__file__).resolve().parents[2] / "prefect.yaml").read_text("utf-8"))
    deployment = next(d for d in spec["deployments"] if d["name"] == "audit-retention")
    assert deployment["schedules"][0]["cron"] == "0 3 * * *"
    assert USE_CASES["audit-retention"].flow == "flows/retention.py:audit_retention"
    assert [s.cron for s in schedules_for("audit-retention")] == ["0 3 * * *"]
