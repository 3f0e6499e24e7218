"""我的待办 on SQLite and PostgreSQL: each user sees exactly their pending items, computed here
independently from the tables (a plain Python filter over every row) and compared with the SQL read."""
from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from models.db import read_session
from models.services import handovers, inbox, preferences, scan, signoff, tasks
from models.services.permissions import actor_unit_ids
from models.settings import get_settings
from models.tables import Handover, HandoverStep, ProgressReport, Receipt, Task, TaskUnit
from tests.conftest import TODAY
from tests.factories import actor, task


def _expected(engine, who) -> set[tuple[str, str]]:
    """(kind, link path) of every pending item, by rules a clerk would state, over all rows."""
    horizon = TODAY + timedelta(days=get_settings().due_soon_days)
    with read_session(engine) as s:
        units = actor_unit_ids(s, who)
        own = {tu.task_id for tu in s.exec(select(TaskUnit)).all() if tu.unit_id in units and tu.role != "supporting"}
        reports: dict[int, list[ProgressReport]] = {}
        for r in s.exec(select(ProgressReport).order_by(ProgressReport.id)).all():
            reports.setdefault(r.task_id, []).append(r)
        out: set[tuple[str, str]] = set()
        for t in s.exec(select(Task)).all():
            decisions = [r.kind for r in reports.get(t.id, []) if r.kind != "progress"]
            returned = bool(decisions) and decisions[-1] == "return"
            link = f"/tasks?plan={t.plan_id}&task={t.code}"
            if t.id in own and t.status in ("not_started", "in_progress"):
                if returned:
                    out.add(("returned", link))
                elif t.deadline and t.deadline <= horizon:
                    out.add(("report", link))
            if t.status == "pending_review" and who.role == "office":
                out.add(("review", link))
        for ho in s.exec(select(Handover).where(Handover.status == "in_progress")).all():
            steps = s.exec(select(HandoverStep).where(HandoverStep.handover_id == ho.id).order_by(HandoverStep.seq)).all()
            turn = next((st for st in steps if st.status != "confirmed"), None)
            if turn is not None and turn.unit_id in units:
                rejected = any(st.status == "rejected" for st in steps)
                out.add(("returned" if rejected else "step", f"/handovers?handover={ho.id}"))
        for rc in s.exec(select(Receipt).where(Receipt.signed_at.is_(None))).all():  # type: ignore[union-attr]
            if rc.unit_id in units:
                out.add(("signoff", f"/my_unit?{rc.kind}={rc.ref_id}"))
    return out


def _listed(engine, who) -> set[tuple[str, str]]:
    box = inbox.for_actor(who, today=TODAY, engine=engine)
    got = [(i.kind, i.link.path) for i in box.items]
    assert len(got) == len(set(got)), "an item is listed twice"
    assert box.total == len(got) == sum(box.counts.values())
    from urllib.parse import unquote

    return {(kind, unquote(path)) for kind, path in got}


def test_inbox_of_department_office_and_staffing(demo_engine) -> None:
    office, dept, staffing = actor(demo_engine, "gaiban"), actor(demo_engine, "chengguan"), actor(demo_engine, "bianban")
    # a report waiting for review, a task returned to its unit, a handover returned to its sender
    mine = [t for t in inbox.for_actor(dept, today=TODAY, engine=demo_engine).items if t.kind == "report"]
    assert mine, "the demo has tasks due for the department"
    first = task(demo_engine, mine[0].link.params["task"])
    tasks.report_done(dept, task_id=first.id, expected_version=first.version, note="已完成", engine=demo_engine)
    assert ("review", mine[0].link.path) in {(i.kind, i.link.path) for i in
                                             inbox.for_actor(office, today=TODAY, engine=demo_engine).items}
    second = task(demo_engine, mine[1].link.params["task"]) if len(mine) > 1 else None
    if second is not None:
        tasks.report_done(dept, task_id=second.id, expected_version=second.version, note="完成", engine=demo_engine)
        again = task(demo_engine, second.code)
        tasks.review(office, task_id=again.id, expected_version=again.version, decision="return",
                     reason="佐证材料不全", engine=demo_engine)
    with read_session(demo_engine) as s:
        staff = s.exec(select(Handover).where(Handover.kind == "staff")).one()
        steps = s.exec(select(HandoverStep).where(HandoverStep.handover_id == staff.id).order_by(HandoverStep.seq)).all()
    sender = next(st for st in steps if st.party_role == "sender")
    if sender.status != "confirmed":
        who = actor(demo_engine, "zhujian" if sender.unit_id != dept.unit_id else "chengguan")
        handovers.confirm_step(who, handover_id=staff.id, step_id=sender.id, expected_version=staff.version,
                               engine=demo_engine)
    with read_session(demo_engine) as s:
        staff = s.get(Handover, staff.id)
        receiver = s.exec(select(HandoverStep).where(HandoverStep.handover_id == staff.id,
                                                     HandoverStep.party_role == "receiver")).one()
    from models.services.accounts import actor_for
    from models.tables import User

    with read_session(demo_engine) as s:
        receiving = actor_for(s.exec(select(User).where(User.unit_id == receiver.unit_id,
                                                        User.role.in_(("department", "staffing")))).first())
    handovers.reject_step(receiving, handover_id=staff.id, step_id=receiver.id, expected_version=staff.version,
                          reason="人数与编制不符", engine=demo_engine)
    # alerts and their 签收
    scan.create_alerts(TODAY, engine=demo_engine)
    signoff.open_for_alerts(TODAY, engine=demo_engine)

    kinds_seen: set[str] = set()
    for who in (office, dept, staffing, actor(demo_engine, "zhujian"), actor(demo_engine, "chengguanzhen")):
        expected = _expected(demo_engine, who)
        assert _listed(demo_engine, who) == expected, who.username
        kinds_seen |= {k for k, _ in expected}
    assert {"review", "report", "returned", "signoff"} <= kinds_seen
    assert not _listed(demo_engine, actor(demo_engine, "shenji"))  # an auditor has no business items


def test_preferences_are_per_user(demo_engine) -> None:
    office, dept = actor(demo_engine, "gaiban"), actor(demo_engine, "chengguan")
    preferences.put(office, "plan", {"plan_id": 7}, engine=demo_engine)
    assert preferences.get(office, "plan", engine=demo_engine) == {"plan_id": 7}
    assert preferences.get(dept, "plan", engine=demo_engine) is None
    preferences.put(office, "plan", {"plan_id": 8}, engine=demo_engine)
    assert preferences.get(office, "plan", engine=demo_engine) == {"plan_id": 8}
    preferences.forget(office, "plan", engine=demo_engine)
    assert preferences.get(office, "plan", engine=demo_engine) is None


def test_inbox_lists_report_slots_and_instructions_until_they_are_answered(demo_engine) -> None:
    """A 报送要求 slot due now and a 领导批示 addressed to the unit wait in its inbox until filed / replied."""
    from models.services import instructions, reporting
    from models.tables import Plan, ReportSlot

    office, dept = actor(demo_engine, "gaiban"), actor(demo_engine, "chengguan")
    t = task(demo_engine, "六.2")  # lead 县城市管理局
    with read_session(demo_engine) as s:
        plan = s.get(Plan, t.plan_id)
    reporting.set_schedule(office, plan_id=plan.id, task_id=t.id, expected_version=t.version,
                           rules=[{"frequency": "daily"}], today=TODAY - timedelta(days=7), engine=demo_engine)
    reporting.open_slots(TODAY, engine=demo_engine)
    ins, _ = instructions.write(actor(demo_engine, "lingdao"), task_id=t.id, text="请本周内报送进展。",
                                engine=demo_engine)
    box = inbox.for_actor(dept, today=TODAY, engine=demo_engine)
    slots = [i for i in box.items if i.kind == "slot" and i.link.params.get("task") == "六.2"]
    with read_session(demo_engine) as s:
        unfiled = s.exec(select(ReportSlot).where(ReportSlot.task_id == t.id, ReportSlot.filed_on.is_(None),
                                                  ReportSlot.opens_on <= TODAY)).all()  # type: ignore[union-attr]
    assert unfiled and len(slots) == len(unfiled) and box.counts["slot"] >= len(unfiled)
    assert any("已逾期未报" in i.detail for i in slots)  # a week of daily duties: earlier ones were missed
    asked = [i for i in box.items if i.kind == "instruction"]
    assert len(asked) == 1 and "请本周内报送进展" in asked[0].detail and asked[0].link.path == "/instructions"
    assert not [i for i in inbox.for_actor(actor(demo_engine, "caizheng"), today=TODAY, engine=demo_engine).items
                if i.kind in ("slot", "instruction")]  # not addressed to 财政局
    instructions.reply(dept, instruction_id=ins.id, text="已部署，周五前报送。", engine=demo_engine)
    fresh = task(demo_engine, "六.2")
    tasks.report_progress(dept, task_id=fresh.id, expected_version=fresh.version, percent=min(fresh.percent + 5, 99),
                          note="按报送要求报送", today=TODAY, engine=demo_engine)
    after = inbox.for_actor(dept, today=TODAY, engine=demo_engine)
    assert not [i for i in after.items if i.kind == "instruction"]
    assert after.counts["slot"] == box.counts["slot"] - 1  # one report fills one slot (the earliest missed)
