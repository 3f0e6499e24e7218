"""The model, the permission rules, version conflicts, the state machine and migrations — on SQLite
and PostgreSQL (through the ``engine``/``demo_engine`` fixtures)."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import inspect
from sqlmodel import select

from models.db import read_session
from models.services import handovers, tasks
from models.services.audit import verify
from models.services.errors import Conflict, Invalid, PermissionDenied
from models.services.queries import task_rows
from models.tables import AuditEvent, Task, TaskUnit
from tests.conftest import TODAY
from tests.factories import actor, handover, task


def _audits(engine, action: str, outcome: str | None = None) -> list[AuditEvent]:
    with read_session(engine) as s:
        q = select(AuditEvent).where(AuditEvent.action == action)
        if outcome:
            q = q.where(AuditEvent.outcome == outcome)
        return list(s.exec(q).all())


def test_migrations_create_every_table_from_empty(engine) -> None:
    names = set(inspect(engine).get_table_names())
    assert {"task", "unit", "plan", "dependency", "handover", "handoverstep", "handoveritem", "notice",
            "alert", "auditevent", "user", "usersession", "alembic_version"} <= names


def test_demo_model_has_units_groups_dependencies_and_handovers(demo_engine) -> None:
    rows = task_rows(engine=demo_engine)
    assert 30 <= len(rows) <= 60
    by_code = {r["code"]: r for r in rows}
    assert by_code["三.1"]["units"]["lead"] == ["县委机构编制委员会办公室", "县人力资源和社会保障局"]
    assert by_code["六.1"]["units"]["lead"] == ["各镇人民政府"]  # a group unit
    lights = {r["light"] for r in rows}
    assert {"done", "green", "yellow", "red"} <= lights
    town_tasks = task_rows(unit="城关镇", engine=demo_engine)  # member of 各镇人民政府
    assert "六.1" in {r["code"] for r in town_tasks}


def test_department_reports_progress_on_own_task(demo_engine) -> None:
    t = task(demo_engine, "五.4")  # lead: 县城市管理局
    updated = tasks.report_progress(actor(demo_engine, "chengguan"), task_id=t.id, expected_version=t.version,
                                    percent=85, note="办法已提交局务会审议", today=TODAY, engine=demo_engine)
    assert (updated.status, updated.percent, updated.version) == ("in_progress", 85, t.version + 1)
    assert len(_audits(demo_engine, "task.progress", "success")) == 1


def test_forged_task_id_is_refused_and_audited(demo_engine) -> None:
    t = task(demo_engine, "七.1")  # lead: 县财政局, not 县城市管理局... supporting only
    with pytest.raises(PermissionDenied):
        tasks.report_progress(actor(demo_engine, "zhujian"), task_id=t.id, expected_version=t.version,
                              percent=90, engine=demo_engine)
    assert task(demo_engine, "七.1").percent == t.percent
    denied = _audits(demo_engine, "task.progress", "denied")
    assert [d.actor_name for d in denied] == ["zhujian"]


def test_leader_cannot_write(demo_engine) -> None:
    t = task(demo_engine, "五.4")
    with pytest.raises(PermissionDenied):
        tasks.review(actor(demo_engine, "lingdao"), task_id=t.id, expected_version=t.version, decision="close",
                     engine=demo_engine)


def test_two_sessions_editing_the_same_task_exactly_one_wins(demo_engine) -> None:
    t = task(demo_engine, "五.4")
    who = actor(demo_engine, "chengguan")

    def edit(percent: int) -> str:
        try:
            tasks.report_progress(who, task_id=t.id, expected_version=t.version, percent=percent,
                                  engine=demo_engine)
            return "ok"
        except Conflict:
            return "conflict"

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(edit, [75, 90]))
    assert outcomes == ["conflict", "ok"]
    final = task(demo_engine, "五.4")
    assert final.version == t.version + 1 and final.percent in {75, 90}
    assert len(_audits(demo_engine, "task.progress", "conflict")) == 1


def test_state_machine_report_review_return_close(demo_engine) -> None:
    dept, office = actor(demo_engine, "chengguan"), actor(demo_engine, "gaiban")
    t = task(demo_engine, "六.2")
    t = tasks.report_done(dept, task_id=t.id, expected_version=t.version, note="监督员已下沉", today=TODAY,
                          engine=demo_engine)
    assert (t.status, t.percent, t.actual_finish) == ("pending_review", 100, TODAY)
    with pytest.raises(Invalid):  # a return needs a reason
        tasks.review(office, task_id=t.id, expected_version=t.version, decision="return", engine=demo_engine)
    t = tasks.review(office, task_id=t.id, expected_version=t.version, decision="return",
                     reason="缺少下沉人员名单", engine=demo_engine)
    assert t.status == "in_progress" and t.actual_finish is None
    with pytest.raises(Invalid):  # cannot close what is not reported done
        tasks.review(office, task_id=t.id, expected_version=t.version, decision="close", engine=demo_engine)
    t = tasks.report_done(dept, task_id=t.id, expected_version=t.version, today=TODAY, engine=demo_engine)
    t = tasks.review(office, task_id=t.id, expected_version=t.version, decision="close", engine=demo_engine)
    assert t.status == "done"
    with read_session(demo_engine) as s:
        assert verify(s).ok


def test_handover_steps_in_order_by_the_right_units(demo_engine) -> None:
    ho = handover(demo_engine, "staff")  # sender confirmed in the demo; receiver (县城市管理局) next
    with read_session(demo_engine) as s:
        steps = handovers.steps_of(s, ho.id)
    receiver = next(st for st in steps if st.party_role == "receiver")
    supervisor = next(st for st in steps if st.party_role == "supervisor")
    with pytest.raises(Invalid):  # not its turn
        handovers.confirm_step(actor(demo_engine, "bianban"), handover_id=ho.id, step_id=supervisor.id,
                               expected_version=ho.version, engine=demo_engine)
    with pytest.raises(PermissionDenied):  # another unit's step
        handovers.confirm_step(actor(demo_engine, "zhujian"), handover_id=ho.id, step_id=receiver.id,
                               expected_version=ho.version, engine=demo_engine)
    out = handovers.confirm_step(actor(demo_engine, "chengguan"), handover_id=ho.id, step_id=receiver.id,
                                 expected_version=ho.version, engine=demo_engine)
    assert not out.completed
    # the staffing office rejects: every earlier confirmation is withdrawn
    ho2 = handovers.reject_step(actor(demo_engine, "bianban"), handover_id=ho.id, step_id=supervisor.id,
                                expected_version=out.handover.version, reason="名册缺少身份证号", engine=demo_engine)
    with read_session(demo_engine) as s:
        states = [(st.party_role, st.status) for st in handovers.steps_of(s, ho.id)]
    assert states[:3] == [("sender", "pending"), ("receiver", "pending"), ("supervisor", "rejected")]
    assert ho2.version == out.handover.version + 1


def test_completing_all_handovers_completes_the_task_and_releases_dependants(demo_engine) -> None:
    t = task(demo_engine, "三.4")  # establishment handover completed in the demo
    assert t.status == "done"
    ho = handover(demo_engine, "asset")  # started, nobody confirmed yet
    before = task(demo_engine, "三.2")
    assert before.status != "done"
    for username in ("zhujian", "chengguan", "caizheng"):
        with read_session(demo_engine) as s:
            step = handovers.current_step(handovers.steps_of(s, ho.id))
        out = handovers.confirm_step(actor(demo_engine, username), handover_id=ho.id, step_id=step.id,
                                     expected_version=ho.version, engine=demo_engine)
        ho = out.handover
    assert out.completed and out.task_completed
    assert out.released_task_ids == [task(demo_engine, "三.5").id]
    after = task(demo_engine, "三.2")
    assert (after.status, after.percent, after.version) == ("done", 100, before.version + 1)
    # the completion went through the task's state machine: audited on the task like any transition
    [event] = [e for e in _audits(demo_engine, "task.handover_milestone") if e.object_id == str(after.id)]
    assert event.before["status"] == before.status and event.before["version"] == before.version
    assert event.after["status"] == "done" and event.after["version"] == before.version + 1
    assert event.after["handover"] == ho.id and event.after["released"] == out.released_task_ids
    with read_session(demo_engine) as s:
        assert verify(s).ok


def test_a_handover_cannot_complete_a_task_the_state_machine_forbids(demo_engine) -> None:
    from models.services.uow import transaction

    done = task(demo_engine, "三.4")  # already closed by its completed handover
    ho = handover(demo_engine, "establishment")
    with pytest.raises(Invalid), transaction(actor(demo_engine, "gaiban"), "task.handover_milestone", "task",
                                             done.id, engine=demo_engine) as tx:
        tasks.complete_by_handover(tx, tx.session.get(Task, done.id), handover_id=ho.id, today=TODAY)
    again = task(demo_engine, "三.4")
    assert (again.status, again.version) == ("done", done.version)


def test_unknown_units_are_kept_as_written(demo_engine) -> None:
    from models.services.actor import Actor
    from models.services.plans import publish_plan

    draft = {"plan": {"title": "测试方案"}, "tasks": [
        {"code": "1", "title": "任务一", "lead_units": ["县编办", "县外星局"], "deadline": "2026-12-31"}],
        "unit_decisions": {"县外星局": {"action": "unassigned"}}}  # left unassigned on purpose (#14)
    result = publish_plan(Actor.system("t"), draft, engine=demo_engine)
    assert any("县外星局" in w for w in result.warnings)
    with read_session(demo_engine) as s:
        rows = s.exec(select(TaskUnit).join(Task).where(Task.plan_id == result.plan.id)).all()
    assert {(r.written_name, r.unit_id is None) for r in rows} == {("县编办", False), ("县外星局", True)}


def test_cycles_in_a_draft_are_refused_with_the_task_codes(engine) -> None:
    from models.services.actor import Actor
    from models.services.plans import publish_plan

    draft = {"plan": {"title": "环"}, "tasks": [
        {"code": "A", "title": "甲", "depends_on": [{"code": "B", "lag": "0 days"}]},
        {"code": "B", "title": "乙", "depends_on": [{"code": "A", "lag": "3 months"}]}]}
    with pytest.raises(Invalid) as err:
        publish_plan(Actor.system("t"), draft, engine=engine)
    assert "A" in err.value.message and "B" in err.value.message
