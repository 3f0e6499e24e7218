"""延期/调整 requests: filing, guards, the office's decision changing the task in the same transaction."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from models.db import read_session
from models.services import requests, tasks
from models.services.errors import Conflict, Invalid, PermissionDenied
from models.tables import AuditEvent, Evidence, TaskRequest, TaskUnit, Unit
from tests.conftest import TODAY
from tests.factories import actor, task
from tests.filesamples import png


def _unit(engine: Engine, name: str) -> int:
    with read_session(engine) as s:
        return s.exec(select(Unit.id).where(Unit.name == name)).one()  # type: ignore[return-value]


def test_extension_approved_moves_the_deadline_and_the_light(demo_engine: Engine) -> None:
    chengguan, office = actor(demo_engine, "chengguan"), actor(demo_engine, "gaiban")
    t = task(demo_engine, "四.3")  # overdue (deadline 2026-11-16), red
    assert t.light == "red" and t.deadline == date(2026, 11, 16)
    new = TODAY + timedelta(days=40)
    req = requests.file_extension(chengguan, task_id=t.id or 0, expected_version=t.version, new_deadline=new,
                                  reason="需等待规划审批", evidence=tasks.Upload("审批进度.png", png()),
                                  today=TODAY, engine=demo_engine)
    assert req.state == "pending" and req.old_deadline == date(2026, 11, 16)
    with read_session(demo_engine) as s:
        ev = s.get(Evidence, req.evidence_id)
        assert ev is not None and ev.task_id == t.id and ev.original_name == "审批进度.png"
    # one open request per task and kind
    with pytest.raises(Invalid, match="已有待审批的延期申请"):
        requests.file_extension(chengguan, task_id=t.id or 0, expected_version=t.version, new_deadline=new,
                                reason="再次", today=TODAY, engine=demo_engine)
    listed = requests.listing(chengguan, engine=demo_engine)
    assert [(r["task_code"], r["state_label"]) for r in listed] == [("四.3", "待审批")]
    # a stale view of the request is refused
    with pytest.raises(Conflict):
        requests.decide(office, request_id=req.id or 0, expected_version=req.version + 1, approve=True,
                        today=TODAY, engine=demo_engine)
    done = requests.decide(office, request_id=req.id or 0, expected_version=req.version, approve=True,
                           reason="同意", today=TODAY, engine=demo_engine)
    assert done.state == "approved" and done.decided_on == TODAY
    after = task(demo_engine, "四.3")
    assert after.deadline == new and after.version == t.version + 1
    assert after.light != "red"  # recomputed in the same transaction: no longer overdue
    with read_session(demo_engine) as s:
        ev_row = s.exec(select(AuditEvent).where(AuditEvent.action == "request.approve",
                                             AuditEvent.outcome == "success")).one()
    assert ev_row.before["task"]["deadline"] == "2026-11-16" and ev_row.after["task"]["deadline"] == new.isoformat()
    # decided: no second decision, and the count is a ranking figure for the filing unit
    with pytest.raises(Invalid, match="已批准"):
        requests.decide(office, request_id=req.id or 0, expected_version=done.version, approve=False, reason="x",
                        engine=demo_engine)
    with read_session(demo_engine) as s:
        counts = requests.extension_counts(s, start=TODAY - timedelta(days=6), end=TODAY)
        assert counts == {chengguan.unit_id: 1}
        assert requests.extension_counts(s, start=TODAY + timedelta(days=1), end=TODAY + timedelta(days=7)) == {}


def test_relative_deadline_becomes_absolute_when_extended(demo_engine: Engine) -> None:
    zhujian, office = actor(demo_engine, "zhujian"), actor(demo_engine, "gaiban")
    t = task(demo_engine, "三.1")  # "within N after its predecessor": computed by the scheduler
    assert t.deadline_rule == "relative" and t.deadline is not None
    new = t.deadline + timedelta(days=30)
    req = requests.file_extension(zhujian, task_id=t.id or 0, expected_version=t.version, new_deadline=new,
                                  reason="人员转隶需延后", today=TODAY, engine=demo_engine)
    requests.decide(office, request_id=req.id or 0, expected_version=req.version, approve=True, today=TODAY,
                    engine=demo_engine)
    after = task(demo_engine, "三.1")
    assert (after.deadline_rule, after.deadline) == ("absolute", new)  # the recompute keeps the approved date


def test_refusal_needs_a_reason_and_withdrawal_is_the_filers(demo_engine: Engine) -> None:
    chengguan, office, caizheng = (actor(demo_engine, n) for n in ("chengguan", "gaiban", "caizheng"))
    t = task(demo_engine, "五.4")
    req = requests.file_extension(chengguan, task_id=t.id or 0, expected_version=t.version,
                                  new_deadline=TODAY + timedelta(days=20), reason="原因", today=TODAY,
                                  engine=demo_engine)
    with pytest.raises(Invalid, match="驳回申请必须填写理由"):
        requests.decide(office, request_id=req.id or 0, expected_version=req.version, approve=False,
                        engine=demo_engine)
    refused = requests.decide(office, request_id=req.id or 0, expected_version=req.version, approve=False,
                              reason="理由不充分", today=TODAY, engine=demo_engine)
    assert (refused.state, refused.decision_reason) == ("refused", "理由不充分")
    assert task(demo_engine, "五.4").deadline == t.deadline
    again = requests.file_extension(chengguan, task_id=t.id or 0, expected_version=t.version,
                                    new_deadline=TODAY + timedelta(days=20), reason="补充说明", today=TODAY,
                                    engine=demo_engine)  # refused ones do not block a new request
    with pytest.raises(PermissionDenied):
        requests.withdraw(caizheng, request_id=again.id or 0, expected_version=again.version, engine=demo_engine)
    gone = requests.withdraw(chengguan, request_id=again.id or 0, expected_version=again.version, engine=demo_engine)
    assert gone.state == "withdrawn"
    states = {r["state_label"] for r in requests.listing(office, engine=demo_engine)}
    assert states == {"已驳回", "已撤回"}
    assert requests.listing(caizheng, engine=demo_engine) == []  # a unit sees only its own requests


def test_bad_extensions_are_refused_with_a_message(demo_engine: Engine) -> None:
    chengguan = actor(demo_engine, "chengguan")
    t = task(demo_engine, "四.2")  # deadline 2026-12-03
    for new, message in ((date(2026, 12, 1), "须晚于现时限"), (TODAY - timedelta(days=1), "早于今天")):
        with pytest.raises(Invalid, match=message):
            requests.file_extension(chengguan, task_id=t.id or 0, expected_version=t.version, new_deadline=new,
                                    reason="x", today=TODAY, engine=demo_engine)
    with pytest.raises(Invalid, match="请填写申请理由"):
        requests.file_extension(chengguan, task_id=t.id or 0, expected_version=t.version,
                                new_deadline=date(2026, 12, 31), reason="  ", today=TODAY, engine=demo_engine)
    with pytest.raises(Conflict):
        requests.file_extension(chengguan, task_id=t.id or 0, expected_version=t.version - 1,
                                new_deadline=date(2026, 12, 31), reason="x", today=TODAY, engine=demo_engine)
    done = task(demo_engine, "二.1")  # finished: nothing to extend
    with pytest.raises(Invalid, match="已报告完成"):
        requests.file_extension(chengguan, task_id=done.id or 0, expected_version=done.version,
                                new_deadline=date(2026, 12, 31), reason="x", today=TODAY, engine=demo_engine)
    with read_session(demo_engine) as s:
        assert s.exec(select(TaskRequest)).all() == []


def test_adjustment_changes_the_units(demo_engine: Engine) -> None:
    chengguan, office = actor(demo_engine, "chengguan"), actor(demo_engine, "gaiban")
    t = task(demo_engine, "五.4")  # lead 县城市管理局, supporting 县人社局
    zhifa, renshe = _unit(demo_engine, "县综合行政执法局"), _unit(demo_engine, "县人力资源和社会保障局")
    with pytest.raises(Invalid, match="单位不存在"):
        requests.file_adjustment(chengguan, task_id=t.id or 0, expected_version=t.version, lead=[999999],
                                 reason="x", today=TODAY, engine=demo_engine)
    with pytest.raises(Invalid, match="至少有一个牵头单位"):
        requests.file_adjustment(chengguan, task_id=t.id or 0, expected_version=t.version, lead=[],
                                 reason="x", today=TODAY, engine=demo_engine)
    req = requests.file_adjustment(chengguan, task_id=t.id or 0, expected_version=t.version, lead=[zhifa],
                                   supporting=[chengguan.unit_id or 0, renshe], reason="职能已划入执法局",
                                   today=TODAY, engine=demo_engine)
    assert "牵头：县综合行政执法局" in requests.listing(office, engine=demo_engine)[0]["change"]
    requests.decide(office, request_id=req.id or 0, expected_version=req.version, approve=True, today=TODAY,
                    engine=demo_engine)
    with read_session(demo_engine) as s:
        rows = {(r.role, r.unit_id) for r in s.exec(select(TaskUnit).where(TaskUnit.task_id == t.id)).all()}
    assert rows == {("lead", zhifa), ("supporting", chengguan.unit_id), ("supporting", renshe)}
    assert task(demo_engine, "五.4").version == t.version + 1
