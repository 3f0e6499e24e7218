"""Deterministic synthetic multi-county data for scale tests and benchmarks (``reform demo generate``).

Each county gets its own units (departments, towns and the group 各镇人民政府), a plan of 40–80 tasks
under eight headings with dependencies and relative deadlines, handovers with item lists and a
progress history. 1,600 counties give about 100,000 tasks. Rows are written with set-based inserts
(explicit ids, executemany) because going through the per-change services would take hours at this
size; the whole generation is recorded as one audit event.
"""
from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

from models.db import sync_sequences, write_session
from models.services import audit
from models.services.actor import Actor
from models.tables import (
    Dependency,
    Handover,
    HandoverItem,
    HandoverStep,
    Plan,
    ProgressReport,
    Task,
    TaskUnit,
    Unit,
    UnitGroupMember,
)

FIRST = "清东西南北安平永宁长乐新兴华康泰丰和顺德仁义礼信福寿吉祥瑞云山川河湖海江松柏桃李梅兰竹菊"
SECOND = "河阳源泉城林溪桥州宁安丰平乐庄坪岭峰湾浦塘口台沟营屯集堡"
DEPARTMENTS = ["委机构编制委员会办公室", "人力资源和社会保障局", "财政局", "档案局", "住房和城乡建设局", "城市管理局",
               "综合行政执法局", "自然资源和规划局", "生态环境分局", "市场监督管理局", "公安局", "交通运输局", "水利局",
               "司法局", "政务服务管理办公室", "委组织部", "委宣传部", "发展和改革局", "大数据发展中心", "人民政府办公室"]
SECTIONS = ["组织动员", "机构组建", "职能划转", "人员划转", "资产移交", "执法整合", "重心下移", "保障机制"]
VERBS = ["制定", "完成", "建立", "推进", "落实", "开展", "健全", "编制"]
OBJECTS = ["工作方案", "职责清单", "人员划转", "资产清查", "档案移交", "信息平台", "考核办法", "执法队伍整合", "权责清单",
           "制度建设", "宣传引导", "经费保障"]
STATUSES = ["done"] * 3 + ["in_progress"] * 4 + ["not_started"] * 2 + ["pending_review"]
CHUNK = 5000


@dataclass
class Batch:
    """Rows to insert, per table, with ids assigned up front so rows can reference each other."""

    next_id: dict[str, int]
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def add(self, table: type[SQLModel], **values: Any) -> int:
        name = str(table.__tablename__)
        if "id" not in values and name in self.next_id:
            values["id"] = self.next_id[name]
            self.next_id[name] += 1
        self.rows.setdefault(name, []).append(values)
        return int(values.get("id", 0))


def county_names(count: int) -> list[str]:
    names = [f"{a}{b}县" for a in FIRST for b in SECOND]
    if count > len(names):
        names += [f"{n[:-1]}{i}县" for i in range(2, count // len(names) + 2) for n in names]
    return names[:count]


def _county(batch: Batch, rng: random.Random, name: str, today: date) -> int:
    units = {d: batch.add(Unit, name=f"{name}{d}", kind="department", is_group=False) for d in DEPARTMENTS}
    towns = [batch.add(Unit, name=f"{name}{t}镇人民政府", kind="town", is_group=False) for t in "东西南北"]
    group = batch.add(Unit, name=f"{name}各镇人民政府", kind="group", is_group=True)
    for t in towns:
        batch.add(UnitGroupMember, group_id=group, member_id=t)
    start = today - timedelta(days=rng.randint(60, 200))
    plan = batch.add(Plan, title=f"{name}城市管理体制改革实施方案", doc_number=f"{name[:2]}政办发〔{start.year}〕{rng.randint(1, 60)}号",
                     issuer=f"{name}人民政府办公室", issued_on=start, start_date=start, phases=[],
                     created_at=today, version=1)
    task_ids: list[int] = []
    size = rng.randint(40, 80)
    items = size - len(SECTIONS)
    unit_ids = list(units.values())
    names = {**{v: f"{name}{k}" for k, v in units.items()}, group: f"{name}各镇人民政府"}
    for s_no, section in enumerate(SECTIONS, start=1):
        per_section = items // len(SECTIONS) + (1 if s_no <= items % len(SECTIONS) else 0)
        head = batch.add(Task, plan_id=plan, code=str(s_no), title=section, text=section, deadline_rule="none",
                         status="not_started", percent=0, light="green", version=1, updated_at=today,
                         is_milestone=False, at_risk=False, critical=False, provisional=False)
        for i in range(1, per_section + 1):
            status = rng.choice(STATUSES)
            deadline = start + timedelta(days=rng.randint(30, 400))
            finished = min(deadline + timedelta(days=rng.randint(-20, 15)), today) if status in {"done", "pending_review"} else None
            preds = rng.sample(task_ids[-15:], k=min(len(task_ids[-15:]), rng.choice([1, 1, 2, 2, 2]))) if task_ids else []
            relative = bool(preds) and rng.random() < 0.15
            title = f"{rng.choice(VERBS)}{section}{rng.choice(OBJECTS)}"
            tid = batch.add(Task, plan_id=plan, code=f"{s_no}.{i}", title=title, text=title + "。", parent_id=head,
                            deadline=None if relative else deadline, deadline_rule="relative" if relative else "absolute",
                            deadline_text=f"{deadline.year}年{deadline.month}月底前" if not relative else "前置任务完成后3个月内",
                            status=status, percent=100 if finished else rng.choice([0, 10, 30, 50, 70, 90]),
                            actual_finish=finished, light="green", version=1, updated_at=today,
                            is_milestone=rng.random() < 0.05, at_risk=False, critical=False, provisional=False)
            for pred in preds:
                lag_value, lag_unit = (3, "months") if relative else rng.choice([(0, "days"), (10, "workdays"), (15, "days")])
                batch.add(Dependency, plan_id=plan, pred_id=pred, succ_id=tid, lag_value=lag_value, lag_unit=lag_unit,
                          relative_deadline=relative)
            lead = rng.choice(unit_ids + [group])
            batch.add(TaskUnit, task_id=tid, unit_id=lead, role="lead", written_name=names[lead])
            for sup in rng.sample(unit_ids, k=rng.randint(0, 3)):
                if sup != lead:
                    batch.add(TaskUnit, task_id=tid, unit_id=sup, role="supporting", written_name=names[sup])
            if status != "not_started":
                batch.add(ProgressReport, task_id=tid, kind="progress", percent=30, note="按计划推进", created_at=today)
            task_ids.append(tid)
    _handovers(batch, rng, units, task_ids, today)
    return size


def _handovers(batch: Batch, rng: random.Random, units: dict[str, int], task_ids: list[int], today: date) -> None:
    sender, receiver = units["住房和城乡建设局"], units["城市管理局"]
    supervisors = {"staff": ["委机构编制委员会办公室", "人力资源和社会保障局"], "asset": ["财政局"], "archive": ["档案局"]}
    for kind, sups in supervisors.items():
        ho = batch.add(Handover, kind=kind, title=f"{kind} handover", from_unit_id=sender, to_unit_id=receiver,
                       task_id=rng.choice(task_ids), status="in_progress", declared_total={}, version=1, created_at=today)
        for seq in range(1, rng.randint(5, 10) + 1):
            batch.add(HandoverItem, handover_id=ho, seq=seq, data=_item(kind, seq, rng))
        parties = [sender, receiver] + [units[s] for s in sups]
        confirmed = rng.randint(0, len(parties) - 1)
        for seq, unit in enumerate(parties, start=1):
            batch.add(HandoverStep, handover_id=ho, seq=seq, unit_id=unit, version=1,
                      party_role="sender" if seq == 1 else "receiver" if seq == 2 else "supervisor",
                      status="confirmed" if seq <= confirmed else "pending")


def _item(kind: str, seq: int, rng: random.Random) -> dict[str, str]:
    if kind == "staff":
        return {"name": f"人员{seq}", "establishment_type": rng.choice(["行政", "参公", "事业"]), "post": "科员"}
    if kind == "asset":
        value = rng.randint(1000, 500000)
        return {"asset_code": f"A-{seq:04d}", "name": "设备", "quantity": "1", "original_value": f"{value}.00",
                "net_value": f"{value // 2}.00"}
    return {"archive_code": f"WS-{seq:04d}", "title": "业务档案", "count": str(rng.randint(1, 50)), "retention": "30年"}


def _next_ids(session: Session, tables: Iterable[type[SQLModel]]) -> dict[str, int]:
    return {str(t.__tablename__): int(session.exec(select(func.coalesce(func.max(t.id), 0))).one()) + 1  # type: ignore[attr-defined]
            for t in tables}


def generate(*, counties: int, seed: int = 7, today: date, engine: Engine | None = None) -> dict[str, int]:
    """Write ``counties`` synthetic counties; the same seed always gives the same data."""
    rng = random.Random(seed)
    with write_session(engine) as session:
        batch = Batch(_next_ids(session, [Unit, Plan, Task, Dependency, TaskUnit, ProgressReport, Handover,
                                          HandoverItem, HandoverStep]))
        existing = set(session.exec(select(Unit.name)).all())
        total = 0
        for name in county_names(counties):
            if f"{name}城市管理局" in existing:
                raise ValueError(f"{name} already exists; generate into an empty database")
            total += _county(batch, rng, name, today)
        order = [Unit, UnitGroupMember, Plan, Task, Dependency, TaskUnit, ProgressReport, Handover, HandoverItem,
                 HandoverStep]
        for table in order:
            rows = batch.rows.get(table.__tablename__, [])  # type: ignore[attr-defined]
            for start in range(0, len(rows), CHUNK):
                session.execute(insert(table), rows[start:start + CHUNK])
        sync_sequences(session.connection())  # explicit ids: the next ordinary insert must not collide
        counts = {t.__tablename__: len(batch.rows.get(t.__tablename__, [])) for t in order}  # type: ignore[attr-defined]
        audit.record(session, Actor.system("generate"), "demo.generate", "plan",
                     after={"counties": counties, "seed": seed, **counts})
    return counts
