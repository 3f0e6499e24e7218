"""Refusals for requests, instructions, follows, 互评 and ranking weights: forged calls straight to the
services, each refused with PermissionDenied, audited as denied, and changing nothing."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import func, select

from models.db import read_session
from models.services import evaluation, instructions, requests, scorecard
from models.services.errors import NotFound, PermissionDenied
from models.tables import EvalRating, EvalRound, Instruction, InstructionTarget, TaskFollow, TaskRequest
from tests.factories import actor, task
from tests.security.conftest import audit_rows
from tests.security.test_authz import _expect_denied, _state


def _counts(engine: Engine) -> tuple[int, ...]:
    with read_session(engine) as s:
        return tuple(int(s.exec(select(func.count()).select_from(m)).one())
                     for m in (TaskRequest, Instruction, InstructionTarget, TaskFollow, EvalRound, EvalRating))


def _denied(engine: Engine, who: Any, action: str, call: Callable[[], Any]) -> None:
    before = _counts(engine)
    _expect_denied(engine, who, action, call)
    assert _counts(engine) == before, f"{action}: a refused request left a row"


def test_leader_writes_instructions_but_still_changes_no_task_data(demo: Engine) -> None:
    lingdao, office = actor(demo, "lingdao"), actor(demo, "gaiban")
    t = task(demo, "四.3")
    before = _state(demo)
    ins, _ = instructions.write(lingdao, task_id=t.id or 0, text="请加快", engine=demo)
    instructions.follow(lingdao, task_id=t.id or 0, engine=demo)
    assert _state(demo) == before  # tasks, reports, notices untouched by 批示 and 关注
    rid = evaluation.open_round(office, label="r1", period_start=date(2026, 11, 1), period_end=date(2026, 11, 15),
                                engine=demo).id or 0
    attempts: list[tuple[str, Callable[[], Any]]] = [
        ("request.extend", lambda: requests.file_extension(lingdao, task_id=t.id or 0, expected_version=t.version,
                                                           new_deadline=date(2026, 12, 31), reason="x", engine=demo)),
        ("request.adjust", lambda: requests.file_adjustment(lingdao, task_id=t.id or 0, expected_version=t.version,
                                                            lead=[1], reason="x", engine=demo)),
        ("instruction.reply", lambda: instructions.reply(lingdao, instruction_id=ins.id or 0, text="x", engine=demo)),
        ("evaluation.open", lambda: evaluation.open_round(lingdao, label="r2", period_start=date(2026, 11, 1),
                                                          period_end=date(2026, 11, 2), engine=demo)),
        ("evaluation.close", lambda: evaluation.close_round(lingdao, round_id=rid, expected_version=1, engine=demo)),
        ("evaluation.rate", lambda: evaluation.rate(lingdao, round_id=rid, ratee_unit_id=1, score=3, engine=demo)),
        ("ranking.weights", lambda: scorecard.set_weights(lingdao, {"peer": 1}, engine=demo)),
    ]
    for action, call in attempts:
        _denied(demo, lingdao, action, call)
    req = requests.file_extension(actor(demo, "chengguan"), task_id=t.id or 0, expected_version=t.version,
                                  new_deadline=date(2026, 12, 31), reason="x", engine=demo)
    _denied(demo, lingdao, "request.approve", lambda: requests.decide(
        lingdao, request_id=req.id or 0, expected_version=req.version, approve=True, engine=demo))


def test_departments_are_held_to_their_own_tasks_and_units(demo: Engine) -> None:
    chengguan, caizheng, lingdao = actor(demo, "chengguan"), actor(demo, "caizheng"), actor(demo, "lingdao")
    t = task(demo, "四.3")  # 县城市管理局's task; 县财政局 is not on it
    _denied(demo, caizheng, "request.extend", lambda: requests.file_extension(
        caizheng, task_id=t.id or 0, expected_version=t.version, new_deadline=date(2026, 12, 31), reason="x",
        engine=demo))
    req = requests.file_extension(chengguan, task_id=t.id or 0, expected_version=t.version,
                                  new_deadline=date(2026, 12, 31), reason="x", engine=demo)
    _denied(demo, chengguan, "request.approve", lambda: requests.decide(  # no self-approval
        chengguan, request_id=req.id or 0, expected_version=req.version, approve=True, engine=demo))
    _denied(demo, caizheng, "request.withdraw", lambda: requests.withdraw(
        caizheng, request_id=req.id or 0, expected_version=req.version, engine=demo))
    ins, _ = instructions.write(lingdao, task_id=t.id or 0, text="请加快", engine=demo)
    _denied(demo, caizheng, "instruction.reply", lambda: instructions.reply(
        caizheng, instruction_id=ins.id or 0, text="代答", engine=demo))
    _denied(demo, chengguan, "instruction.write", lambda: instructions.write(
        chengguan, task_id=t.id or 0, text="自批", engine=demo))
    _denied(demo, chengguan, "task.follow", lambda: instructions.follow(chengguan, task_id=t.id or 0, engine=demo))
    _denied(demo, chengguan, "ranking.weights", lambda: scorecard.set_weights(chengguan, {"peer": 1}, engine=demo))


def test_forged_ids_get_a_clear_message(demo: Engine) -> None:
    office, chengguan = actor(demo, "gaiban"), actor(demo, "chengguan")
    for call, message in (
        (lambda: requests.decide(office, request_id=987654, expected_version=1, approve=True, engine=demo), "申请不存在"),
        (lambda: requests.file_extension(chengguan, task_id=987654, expected_version=1,
                                         new_deadline=date(2026, 12, 31), reason="x", engine=demo), "任务不存在"),
        (lambda: instructions.reply(chengguan, instruction_id=987654, text="x", engine=demo), "批示不存在"),
        (lambda: evaluation.rate(chengguan, round_id=987654, ratee_unit_id=1, score=1, engine=demo), "互评轮次不存在"),
    ):
        with pytest.raises(NotFound, match=message):
            call()
    assert len(audit_rows(demo, outcome="invalid")) >= 4
    with pytest.raises(PermissionDenied):
        requests.listing(actor(demo, "shenji"), engine=demo)  # the auditor reads the audit trail, not requests
