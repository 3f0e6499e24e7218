"""Model-based test of the task and handover state machines (ASVS 2.3.1 steps in order, 8.2.2, 16.3).

Hypothesis drives random users (owner department, other department, office, leader, staffing) through
random actions, some with stale versions, wrong units, missing reasons or out of order. A small
in-memory model predicts each outcome; after every step the database must equal the model, every
committed change must have exactly one success audit row, and the audit chain must verify.
"""
from __future__ import annotations

import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlmodel import select

from models.db import engine_for, read_session
from models.services import handovers, tasks
from models.services.actor import Actor
from models.services.errors import Conflict, Invalid, PermissionDenied, ServiceError
from models.services.tasks import TRANSITIONS
from models.tables import AuditEvent, Handover, Task
from tests.factories import actor
from tests.security.conftest import chain_ok, clone_demo

USERS = ["chengguan", "zhujian", "caizheng", "bianban", "renshe", "gaiban", "lingdao"]
TASK_OWNERS = {"四.3": {"chengguan"}, "三.5": {"chengguan"}, "三.3": {"zhujian"}}
HANDOVER_KINDS = ["staff", "asset"]


@dataclass
class TaskModel:
    id: int
    status: str
    percent: int
    version: int
    successes: dict[str, int] = field(default_factory=dict)


@dataclass
class HandoverModel:
    id: int
    status: str
    version: int
    steps: list[tuple[int, int, str, str]]  # (step id, unit id, party role, status)
    successes: dict[str, int] = field(default_factory=lambda: {"handover.confirm": 0, "handover.reject": 0})


class Machine(RuleBasedStateMachine):
    tmp_root: Path

    def __init__(self) -> None:
        super().__init__()
        self.engine, _ = clone_demo("sqlite", Path(tempfile.mkdtemp(prefix="rt-sm-")), self.tmp_root)
        self.actors: dict[str, Actor] = {u: actor(self.engine, u) for u in USERS}
        self.tasks: dict[str, TaskModel] = {}
        with read_session(self.engine) as s:
            for code in TASK_OWNERS:
                t = s.exec(select(Task).where(Task.code == code)).one()
                self.tasks[code] = TaskModel(t.id or 0, t.status, t.percent, t.version)
            self.handovers: dict[str, HandoverModel] = {}
            for kind in HANDOVER_KINDS:
                ho = s.exec(select(Handover).where(Handover.kind == kind)).one()
                steps = [(x.id or 0, x.unit_id, x.party_role, x.status) for x in handovers.steps_of(s, ho.id or 0)]
                self.handovers[kind] = HandoverModel(ho.id or 0, ho.status, ho.version, steps)
        self.baseline = self._success_counts()

    def teardown(self) -> None:
        self.engine.dispose()
        engine_for.cache_clear()

    # ------------------------------------------------------------ helpers
    def _run(self, call: object) -> str:
        try:
            call()  # type: ignore[operator]
            return "ok"
        except PermissionDenied:
            return "denied"
        except Conflict:
            return "conflict"
        except Invalid:
            return "invalid"
        except ServiceError as exc:  # any other refusal is a surprise
            return f"unexpected {exc!r}"

    # ------------------------------------------------------------ task rules
    @rule(code=st.sampled_from(sorted(TASK_OWNERS)), user=st.sampled_from(USERS),
          action=st.sampled_from(["progress", "report_done", "close", "return", "reopen"]),
          percent=st.integers(0, 100), reason=st.sampled_from(["", "  ", "材料不全，请补充"]),
          stale=st.booleans())
    def task_action(self, code: str, user: str, action: str, percent: int, reason: str, stale: bool) -> None:
        m, who = self.tasks[code], self.actors[user]
        version = m.version - 1 if stale else m.version
        if action == "progress":
            outcome = self._run(lambda: tasks.report_progress(who, task_id=m.id, expected_version=version,
                                                              percent=percent, engine=self.engine))
        elif action == "report_done":
            outcome = self._run(lambda: tasks.report_done(who, task_id=m.id, expected_version=version,
                                                          engine=self.engine))
        else:
            outcome = self._run(lambda: tasks.review(who, task_id=m.id, expected_version=version, decision=action,
                                                     reason=reason, engine=self.engine))
        # the model's prediction, in the order the service checks
        allowed = user in TASK_OWNERS[code] if action in {"progress", "report_done"} else user == "gaiban"
        if not allowed:
            expected = "denied"
        elif stale:
            expected = "conflict"
        elif (m.status, action) not in TRANSITIONS or action in {"return", "reopen"} and not reason.strip() or action == "progress" and percent in (100, m.percent):
            expected = "invalid"
        else:
            expected = "ok"
        assert outcome == expected, (code, user, action, m.status, stale, reason, percent, outcome)
        if outcome == "ok":
            m.status = TRANSITIONS[(m.status, action)]
            m.version += 1
            m.percent = {"progress": percent, "report_done": 100}.get(action, m.percent)
            if action in {"return", "reopen"}:
                m.percent = min(m.percent, 95)
            m.successes[f"task.{action}"] = m.successes.get(f"task.{action}", 0) + 1

    # ------------------------------------------------------------ handover rules
    @rule(kind=st.sampled_from(HANDOVER_KINDS), user=st.sampled_from(USERS), index=st.integers(0, 3),
          reject=st.booleans(), reason=st.sampled_from(["", "数量不符"]), stale=st.booleans())
    def handover_action(self, kind: str, user: str, index: int, reject: bool, reason: str, stale: bool) -> None:
        m, who = self.handovers[kind], self.actors[user]
        step_id, unit_id, party, _ = m.steps[index % len(m.steps)]
        version = m.version + 1 if stale else m.version
        if reject:
            outcome = self._run(lambda: handovers.reject_step(who, handover_id=m.id, step_id=step_id,
                                                              expected_version=version, reason=reason,
                                                              engine=self.engine))
        else:
            outcome = self._run(lambda: handovers.confirm_step(who, handover_id=m.id, step_id=step_id,
                                                               expected_version=version, engine=self.engine))
        current = next((i for i, s in enumerate(m.steps) if s[3] != "confirmed"), None)
        if who.role not in {"department", "staffing"} or who.unit_id != unit_id:
            expected = "denied"
        elif stale:  # a stale view is reported as a conflict before any turn or state check
            expected = "conflict"
        elif m.status != "in_progress" or current is None or m.steps[current][0] != step_id or reject and (not reason.strip() or party == "sender"):
            expected = "invalid"
        else:
            expected = "ok"
        assert outcome == expected, (kind, user, index, reject, stale, m.status, m.steps, outcome)
        if outcome != "ok":
            return
        assert current is not None
        m.version += 1
        if reject:
            m.steps = [(i, u, p, "pending" if n < current else ("rejected" if n == current else s))
                       for n, (i, u, p, s) in enumerate(m.steps)]
            m.successes["handover.reject"] += 1
        else:
            i, u, p, _ = m.steps[current]
            m.steps[current] = (i, u, p, "confirmed")
            m.successes["handover.confirm"] += 1
            if all(s[3] == "confirmed" for s in m.steps):
                m.status = "completed"

    # ------------------------------------------------------------ invariants
    @invariant()
    def database_matches_model(self) -> None:
        with read_session(self.engine) as s:
            for code, m in self.tasks.items():
                t = s.get(Task, m.id)
                assert t is not None and (t.status, t.percent, t.version) == (m.status, m.percent, m.version), code
            for kind, hm in self.handovers.items():
                ho = s.get(Handover, hm.id)
                assert ho is not None and (ho.status, ho.version) == (hm.status, hm.version), kind
                steps = handovers.steps_of(s, hm.id)
                assert [x.status for x in steps] == [x[3] for x in hm.steps], kind
                # confirmations form a prefix: nobody confirmed before an earlier party
                statuses = [x.status == "confirmed" for x in steps]
                assert statuses == sorted(statuses, reverse=True), kind
                assert (ho.status == "completed") == all(statuses), kind

    def _success_counts(self) -> Counter[tuple[str, str | None]]:
        with read_session(self.engine) as s:
            rows = s.exec(select(AuditEvent.action, AuditEvent.object_id)
                          .where(AuditEvent.outcome == "success")).all()
        return Counter((a, o) for a, o in rows)

    @invariant()
    def one_success_audit_per_change(self) -> None:
        new = self._success_counts() - self.baseline
        expected: Counter[tuple[str, str | None]] = Counter()
        for m in self.tasks.values():
            for action, n in m.successes.items():
                expected[(action, str(m.id))] += n
        for hm in self.handovers.values():
            for action, n in hm.successes.items():
                expected[(action, str(hm.id))] += n
        # a completed handover also closes its own task (not one of the modelled tasks)
        new.pop(("task.handover_milestone", None), None)
        milestones = {k: v for k, v in new.items() if k[0] == "task.handover_milestone"}
        assert all(v == 1 for v in milestones.values()), milestones
        assert len(milestones) == sum(1 for hm in self.handovers.values() if hm.status == "completed")
        assert +Counter({k: v for k, v in new.items() if k[0] != "task.handover_milestone"}) == +expected

    @invariant()
    def audit_chain_verifies(self) -> None:
        result = chain_ok(self.engine)
        assert result.ok, result.problems


def test_task_and_handover_state_machines(tmp_path_factory: pytest.TempPathFactory) -> None:
    Machine.tmp_root = tmp_path_factory.getbasetemp()
    run_state_machine_as_test(Machine, settings=settings(
        max_examples=25, stateful_step_count=20, deadline=None, database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
