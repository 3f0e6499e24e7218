"""等保 访问控制 a/d, 安全管理中心 三权分立; ASVS 8.2.1/8.2.2/8.3.1, 16.3.2.

Services are called directly with forged ids (what a hand-crafted request would do, bypassing the
UI): every refusal must be a PermissionDenied, leave no change and leave a "denied" audit row.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import func, select

from models.db import read_session, write_session
from models.services import accounts, audit, handovers, notices, tasks
from models.services.actor import Actor
from models.services.errors import Invalid, PermissionDenied, ServiceError
from models.services.permissions import (
    ADMIN_ROLES,
    AUDIT_CONTROL,
    ROLE_PERMISSIONS,
)
from models.tables import Handover, HandoverStep, Notice, ProgressReport, Task, User
from tests.factories import actor
from tests.security.conftest import audit_count, audit_rows, chain_ok, make_user

# What the product calls "changing business data or users" and "altering or deleting audit data",
# written out here independently of permissions.py so a new permission cannot slip through unnoticed.
BUSINESS_WRITE = {"task.admin", "task.review", "task.report", "plan.import", "handover.admin", "handover.confirm",
                  "handover.edit", "notice.issue", "notice.agency", "alert.manage", "schedule.run", "holiday.manage"}
INSTRUCTION_WRITE = {"instruction.write"}  # 领导批示 and 关注: a leader's own records, never task data
ACCOUNT_WRITE = {"user.manage", "user.roles", "user.unlock", "session.revoke", "unit.manage", "config.manage"}
AUDIT_WRITE = {"audit.purge"}
READ_ONLY = {"dashboard.view", "task.view", "ranking.view", "notice.view", "audit.view", "audit.verify"}


def _state(engine: Engine) -> tuple[Any, ...]:
    """Everything a forged request could have changed."""
    with read_session(engine) as s:
        return (
            tuple((t.id, t.status, t.percent, t.version) for t in s.exec(select(Task).order_by(Task.id)).all()),  # type: ignore[arg-type]
            tuple((h.id, h.status, h.version) for h in s.exec(select(Handover).order_by(Handover.id)).all()),  # type: ignore[arg-type]
            tuple((st.id, st.status, st.version) for st in s.exec(select(HandoverStep).order_by(HandoverStep.id)).all()),  # type: ignore[arg-type]
            s.exec(select(func.count()).select_from(ProgressReport)).one(),
            s.exec(select(func.count()).select_from(Notice)).one(),
            s.exec(select(func.count()).select_from(User)).one(),
        )


def _expect_denied(engine: Engine, who: Actor, action: str, call: Callable[[], Any]) -> None:
    before_state, before_audit = _state(engine), audit_count(engine)
    with pytest.raises(PermissionDenied):
        call()
    assert _state(engine) == before_state, f"{action}: a refused request changed data"
    new = audit_rows(engine)[before_audit:]
    assert [(e.action, e.outcome, e.actor_name) for e in new] == [(action, "denied", who.username)]


# ---------------------------------------------------------------- the role matrix (三权分立)
def test_permission_vocabulary_is_fully_classified() -> None:
    every = set().union(*ROLE_PERMISSIONS.values())
    known = BUSINESS_WRITE | INSTRUCTION_WRITE | ACCOUNT_WRITE | AUDIT_WRITE | READ_ONLY
    assert every <= known, every - known
    assert AUDIT_CONTROL == AUDIT_WRITE


@pytest.mark.parametrize("role", sorted(ROLE_PERMISSIONS))
def test_no_role_both_changes_data_and_controls_audit(role: str) -> None:
    perms = ROLE_PERMISSIONS[role]
    assert not ((perms & (BUSINESS_WRITE | ACCOUNT_WRITE)) and (perms & AUDIT_WRITE)), role


def test_three_administrators_are_separate() -> None:
    sys_, sec, aud = (ROLE_PERMISSIONS[r] for r in ("sysadmin", "secadmin", "auditor"))
    assert not sys_ & sec and not sys_ & aud and not sec & aud
    assert not (sys_ | sec | aud) & BUSINESS_WRITE - {"holiday.manage"}  # calendar upkeep is configuration
    assert "user.roles" not in sys_ and "user.manage" not in sec     # creating users ≠ granting roles
    assert aud <= AUDIT_WRITE | READ_ONLY
    assert {"sysadmin", "secadmin", "auditor"} == ADMIN_ROLES


def test_role_matrix_by_behaviour(demo: Engine) -> None:
    """Each role tries a business change, an account change and an audit purge through the services;
    no role may succeed at (business or account) and audit at once."""
    unit = "县城市管理局"  # the owner of task 四.3, so unit scoping is never the reason for a refusal
    victim = make_user(demo, "victim", "office")
    results: dict[str, tuple[bool, bool, bool]] = {}
    for n, role in enumerate(sorted(r for r in ROLE_PERMISSIONS if r != "system")):
        who = make_user(demo, f"matrix{n}", role, unit if role in {"department", "staffing"} else None)
        t = tasks_by_code(demo, "四.3")

        def attempt(call: Callable[[], Any]) -> bool:
            try:
                call()
                return True
            except PermissionDenied:
                return False
            except ServiceError:
                return True  # permitted, refused for a business reason

        business = attempt(lambda: tasks.report_progress(who, task_id=t.id or 0, expected_version=t.version,  # noqa: B023 - called at once
                                                         percent=61, engine=demo)) \
            or attempt(lambda: handovers.create_handover(who, kind="function", title="职能划转", from_unit_id=1,  # noqa: B023 - called at once
                                                         to_unit_id=2, items=[{"name": "x"}], engine=demo))
        users = attempt(lambda: accounts.create_user(who, username=f"made{n}", display_name="x", role="office",  # noqa: B023 - called at once
                                                     engine=demo)) \
            or attempt(lambda: accounts.set_role(who, victim.user_id or 0, "leader", engine=demo))  # noqa: B023 - called at once
        with write_session(demo) as session:
            purge = attempt(lambda: audit.purge_expired(session, who, retention_days=184))  # noqa: B023
        results[role] = (business, users, purge)
    for role, (business, users, purge) in results.items():
        assert not ((business or users) and purge), (role, results[role])
    assert results["auditor"] == (False, False, True)
    assert results["sysadmin"] == (False, True, False)
    assert results["secadmin"] == (False, True, False)
    assert results["leader"] == (False, False, False)
    assert results["department"] == (True, False, False)
    assert results["office"] == (True, False, False)


def tasks_by_code(engine: Engine, code: str) -> Task:
    with read_session(engine) as session:
        return session.exec(select(Task).where(Task.code == code)).one()


# ---------------------------------------------------------------- forged ids
def test_department_cannot_report_on_another_units_task(demo: Engine) -> None:
    caizheng = actor(demo, "caizheng")  # 县财政局; task 四.3 belongs to 县城市管理局
    t = tasks_by_code(demo, "四.3")
    _expect_denied(demo, caizheng, "task.progress", lambda: tasks.report_progress(
        caizheng, task_id=t.id or 0, expected_version=t.version, percent=90, engine=demo))
    _expect_denied(demo, caizheng, "task.report_done", lambda: tasks.report_done(
        caizheng, task_id=t.id or 0, expected_version=t.version, engine=demo))
    denied = audit_rows(demo, action="task.progress", outcome="denied")[-1]
    assert denied.object_id == str(t.id) and denied.unit_id == caizheng.unit_id
    # the owner can (the refusal above was about the unit, not the call)
    tasks.report_progress(actor(demo, "chengguan"), task_id=t.id or 0, expected_version=t.version,
                          percent=90, engine=demo)


def test_department_cannot_close_its_own_task(demo: Engine) -> None:
    chengguan = actor(demo, "chengguan")
    t = tasks_by_code(demo, "四.3")
    t = tasks.report_done(chengguan, task_id=t.id or 0, expected_version=t.version, engine=demo)
    _expect_denied(demo, chengguan, "task.close", lambda: tasks.review(
        chengguan, task_id=t.id or 0, expected_version=t.version, decision="close", engine=demo))


def _asset_handover(engine: Engine) -> tuple[Handover, list[HandoverStep]]:
    with read_session(engine) as session:
        ho = session.exec(select(Handover).where(Handover.kind == "asset")).one()
        return ho, handovers.steps_of(session, ho.id or 0)


def test_department_cannot_confirm_another_units_handover_step(demo: Engine) -> None:
    ho, steps = _asset_handover(demo)  # step 1: 县住房和城乡建设局 (sender) is current
    chengguan, caizheng = actor(demo, "chengguan"), actor(demo, "caizheng")
    _expect_denied(demo, chengguan, "handover.confirm", lambda: handovers.confirm_step(
        chengguan, handover_id=ho.id or 0, step_id=steps[0].id or 0, expected_version=ho.version, engine=demo))
    _expect_denied(demo, caizheng, "handover.reject", lambda: handovers.reject_step(
        caizheng, handover_id=ho.id or 0, step_id=steps[1].id or 0, expected_version=ho.version,
        reason="伪造", engine=demo))
    # its own step, but out of order: refused as invalid, audited, nothing changes
    before = _state(demo)
    with pytest.raises(Invalid):
        handovers.confirm_step(chengguan, handover_id=ho.id or 0, step_id=steps[1].id or 0,
                               expected_version=ho.version, engine=demo)
    assert _state(demo) == before
    assert audit_rows(demo, action="handover.confirm", outcome="invalid")


def test_staffing_cannot_issue_a_supervision_notice(demo: Engine) -> None:
    bianban = actor(demo, "bianban")
    t = tasks_by_code(demo, "四.3")
    _expect_denied(demo, bianban, "notice.issue", lambda: notices.issue(
        bianban, "supervision", notices.Subject(task_id=t.id), engine=demo))


def test_leader_cannot_write_anything(demo: Engine) -> None:
    lingdao = actor(demo, "lingdao")
    t = tasks_by_code(demo, "四.3")
    ho, steps = _asset_handover(demo)
    attempts: list[tuple[str, Callable[[], Any]]] = [
        ("task.progress", lambda: tasks.report_progress(lingdao, task_id=t.id or 0, expected_version=t.version,
                                                        percent=80, engine=demo)),
        ("task.report_done", lambda: tasks.report_done(lingdao, task_id=t.id or 0, expected_version=t.version,
                                                       engine=demo)),
        ("task.close", lambda: tasks.review(lingdao, task_id=t.id or 0, expected_version=t.version,
                                            decision="close", engine=demo)),
        ("handover.confirm", lambda: handovers.confirm_step(lingdao, handover_id=ho.id or 0,
                                                            step_id=steps[0].id or 0, expected_version=ho.version,
                                                            engine=demo)),
        ("handover.create", lambda: handovers.create_handover(lingdao, kind="function", title="x", from_unit_id=1,
                                                              to_unit_id=2, items=[{"name": "x"}], engine=demo)),
        ("handover.start", lambda: handovers.start(lingdao, handover_id=ho.id or 0, expected_version=ho.version,
                                                   engine=demo)),
        ("handover.set_items", lambda: handovers.set_items(lingdao, handover_id=ho.id or 0,
                                                           expected_version=ho.version, items=[], engine=demo)),
        ("notice.issue", lambda: notices.issue(lingdao, "urging", notices.Subject(task_id=t.id), engine=demo)),
        ("notice.void", lambda: notices.void(lingdao, 1, reason="x", engine=demo)),
        ("user.create", lambda: accounts.create_user(lingdao, username="x1", display_name="x", role="office",
                                                     engine=demo)),
        ("user.set_role", lambda: accounts.set_role(lingdao, 1, "office", engine=demo)),
        ("user.unlock", lambda: accounts.unlock(lingdao, 1, engine=demo)),
    ]
    for action, call in attempts:
        _expect_denied(demo, lingdao, action, call)
    assert chain_ok(demo).ok


def test_refusal_audit_carries_client_and_session(demo: Engine) -> None:
    base = actor(demo, "caizheng")
    forged = Actor(base.user_id, base.username, base.role, base.unit_id, session_id="77", client_addr="10.1.2.3")
    t = tasks_by_code(demo, "四.3")
    with pytest.raises(PermissionDenied):
        tasks.report_progress(forged, task_id=t.id or 0, expected_version=t.version, percent=1, engine=demo)
    row = audit_rows(demo, action="task.progress", outcome="denied")[-1]
    assert (row.client_addr, row.session_id, row.actor_role) == ("10.1.2.3", "77", "department")


# ---------------------------------------------------------------- audit in the same transaction
def test_change_and_its_audit_event_commit_together(demo: Engine) -> None:
    """If the audit write fails, the business change must not commit (等保 安全审计 d)."""
    chengguan = actor(demo, "chengguan")
    t = tasks_by_code(demo, "四.3")
    before = _state(demo)
    with mock.patch.object(audit, "record", side_effect=RuntimeError("audit store down")), \
            pytest.raises(RuntimeError):
        tasks.report_progress(chengguan, task_id=t.id or 0, expected_version=t.version, percent=70, engine=demo)
    assert _state(demo) == before


def test_successful_change_writes_exactly_one_complete_event(demo: Engine) -> None:
    base = actor(demo, "chengguan")
    who = Actor(base.user_id, base.username, base.role, base.unit_id, session_id="42", client_addr="192.0.2.8")
    t = tasks_by_code(demo, "四.3")
    start = audit_count(demo)
    tasks.report_progress(who, task_id=t.id or 0, expected_version=t.version, percent=65, note="进展", engine=demo)
    new = audit_rows(demo)[start:]
    assert len(new) == 1
    ev = new[0]
    ts = datetime.fromisoformat(ev.ts)
    assert ts.utcoffset() == timedelta(0) and abs(datetime.now(UTC) - ts) < timedelta(minutes=5)
    assert (ev.actor_id, ev.actor_name, ev.unit_id, ev.action, ev.object_type, ev.object_id, ev.outcome,
            ev.client_addr, ev.session_id) == (who.user_id, "chengguan", who.unit_id, "task.progress", "task",
                                               str(t.id), "success", "192.0.2.8", "42")
    assert ev.before["percent"] == t.percent and ev.after["percent"] == 65
    assert ev.before["version"] + 1 == ev.after["version"]
