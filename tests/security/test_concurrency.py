"""ASVS 2.3.3/2.3.4 (atomic, no double-booking), checklist 19–21: 20 parallel writers.

Each round, every thread reads the current versions, waits at a barrier so all act on the *same*
expected version, then writes. Per object and round exactly one writer may win; the rest must get a
Conflict (or, for a handover step already confirmed by a colleague, an Invalid "not your turn"),
never an unhandled "database is locked" or serialization error. Afterwards versions, reports, audit
rows and the audit chain must all agree.
"""
from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import select

from models.db import read_session
from models.services import handovers, tasks
from models.services.actor import Actor
from models.services.errors import Conflict, Invalid, PermissionDenied
from models.tables import Handover, ProgressReport, Task
from tests.security.conftest import audit_rows, chain_ok, make_user

ROUNDS = 4
CG, ZJ, CZ = "县城市管理局", "县住房和城乡建设局", "县财政局"


@dataclass
class Outcome:
    round: int
    thread: int
    target: str
    result: str
    percent: int | None = None


def _view(engine: Engine, a_id: int, b_id: int, ho_id: int) -> tuple[int, int, int, int | None]:
    with read_session(engine) as s:
        a, b, ho = s.get(Task, a_id), s.get(Task, b_id), s.get(Handover, ho_id)
        assert a and b and ho
        steps = handovers.steps_of(s, ho_id)
        step = handovers.current_step(steps) or steps[-1]  # once completed: re-confirming the last step
        return a.version, b.version, ho.version, step.id


def test_twenty_parallel_writers(demo: Engine) -> None:
    with read_session(demo) as s:
        a = s.exec(select(Task).where(Task.code == "四.3")).one()    # led by 县城市管理局
        b = s.exec(select(Task).where(Task.code == "三.2")).one()    # asset handover milestone
        ho = s.exec(select(Handover).where(Handover.kind == "asset")).one()
        a0, b0, ho0 = a.version, b.version, ho.version
        reports_a0 = len(s.exec(select(ProgressReport).where(ProgressReport.task_id == a.id)).all())
    # (target, unit) per thread, each thread its own user
    plan = [("A", CG)] * 8 + [("HO", u) for u in (ZJ, ZJ, CG, CG, CZ, CZ)] + [("B", u) for u in (ZJ, ZJ, ZJ, CZ, CZ, CZ)]
    actors: list[Actor] = [make_user(demo, f"w{i:02d}", "department", unit) for i, (_, unit) in enumerate(plan)]
    barrier = threading.Barrier(len(plan), timeout=120)
    outcomes: list[Outcome] = []
    crashes: list[BaseException] = []
    lock = threading.Lock()

    def worker(i: int) -> None:
        target, _ = plan[i]
        who = actors[i]
        try:
            for r in range(1, ROUNDS + 1):
                va, vb, vho, step_id = _view(demo, a.id or 0, b.id or 0, ho.id or 0)
                barrier.wait()
                percent = (r * 20 + i) % 99
                try:
                    if target == "A":
                        tasks.report_progress(who, task_id=a.id or 0, expected_version=va, percent=percent,
                                              engine=demo)
                    elif target == "B":
                        tasks.report_progress(who, task_id=b.id or 0, expected_version=vb, percent=percent,
                                              engine=demo)
                    else:
                        handovers.confirm_step(who, handover_id=ho.id or 0, step_id=step_id or 0,
                                               expected_version=vho, engine=demo)
                    result = "ok"
                except Conflict:
                    result = "conflict"
                except PermissionDenied:
                    result = "denied"
                except Invalid:
                    result = "invalid"
                with lock:
                    outcomes.append(Outcome(r, i, target, result, percent))
                barrier.wait()
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            with lock:
                crashes.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(plan))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not crashes, [repr(c) for c in crashes]
    assert len(outcomes) == len(plan) * ROUNDS

    by = Counter((o.round, o.target, o.result) for o in outcomes)
    for r in range(1, ROUNDS + 1):
        # task A: one winner per expected version, everyone else a Conflict
        assert by[(r, "A", "ok")] == 1 and by[(r, "A", "conflict")] == 7, (r, by)
        # handover: the two users of the current step's unit race; wrong units are denied
        if r <= 3:
            assert by[(r, "HO", "ok")] == 1, (r, by)
            assert by[(r, "HO", "conflict")] + by[(r, "HO", "invalid")] == 1, (r, by)
            assert by[(r, "HO", "denied")] == 4, (r, by)
        else:
            assert by[(r, "HO", "ok")] == 0
        # task B: one winner until the handover milestone closes it
        assert by[(r, "B", "ok")] <= 1
        if r <= 2:
            assert by[(r, "B", "ok")] == 1, (r, by)
        if r == ROUNDS:
            assert by[(r, "B", "ok")] == 0 and by[(r, "B", "invalid")] == 6
    a_wins = [o for o in outcomes if o.target == "A" and o.result == "ok"]
    b_wins = [o for o in outcomes if o.target == "B" and o.result == "ok"]
    a_conflicts = sum(1 for o in outcomes if o.target == "A" and o.result == "conflict")

    with read_session(demo) as s:
        fa, fb, fho = s.get(Task, a.id), s.get(Task, b.id), s.get(Handover, ho.id)
        assert fa and fb and fho
        steps = handovers.steps_of(s, ho.id or 0)
        reports_a = len(s.exec(select(ProgressReport).where(ProgressReport.task_id == a.id)).all())
    # no lost update: versions count every committed change exactly once
    assert fa.version == a0 + ROUNDS
    assert fa.percent == max(a_wins, key=lambda o: o.round).percent
    assert reports_a - reports_a0 == ROUNDS
    assert fho.status == "completed" and fho.version == ho0 + 3 and all(st.status == "confirmed" for st in steps)
    assert fb.status == "done" and fb.version == b0 + len(b_wins) + 1
    # one success audit per committed change, one refusal audit per refused attempt
    assert len(audit_rows(demo, action="task.progress", object_id=str(a.id), outcome="success")) == ROUNDS
    assert len(audit_rows(demo, action="task.progress", object_id=str(a.id), outcome="conflict")) == a_conflicts
    assert len(audit_rows(demo, action="task.progress", object_id=str(b.id), outcome="success")) == len(b_wins)
    assert len(audit_rows(demo, action="handover.confirm", object_id=str(ho.id), outcome="success")) == 3
    assert len(audit_rows(demo, action="task.handover_milestone", object_id=str(b.id))) == 1
    result = chain_ok(demo)
    assert result.ok, result.problems
