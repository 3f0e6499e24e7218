"""The read models behind the pages, on every configured backend (SQLite, and PostgreSQL in CI)."""
from __future__ import annotations

from models.services.reads import admin, common, overview, rankings
from models.services.reads import handovers as handovers_reads
from models.services.reads import tasks as tasks_reads
from tests import factories as f
from tests.conftest import TODAY


def test_overview_aggregates(demo_engine):
    plan_id = common.plans(demo_engine)[0]["id"]
    counts = overview.light_counts(plan_id, demo_engine)
    assert counts["total"] == 29 and counts["red"] > 0  # headings (一, 二, …) are not counted
    assert counts == overview.light_counts(None, demo_engine)  # the only plan
    phases = overview.phase_progress(plan_id, demo_engine)
    assert [p["phase"] for p in phases][:3] == ["动员部署", "机构组建", "交接运行"]
    assert sum(p["total"] for p in phases) == 29
    quarters = [p["phase"] for p in overview.phase_progress(None, demo_engine)]
    assert any(q.endswith("季度") for q in quarters)  # all plans together: by deadline quarter
    burn = overview.burnup(plan_id, demo_engine)
    assert burn["planned"] and burn["actual"]
    focus, total = overview.focus_tasks(plan_id, cap=5, engine=demo_engine)
    assert len(focus) == 5 <= total and all(r["end"] for r in focus)
    deps = overview.dependencies_among([r["id"] for r in focus], demo_engine)
    assert all(d["pred_id"] in {r["id"] for r in focus} for d in deps)
    assert overview.at_risk_list(plan_id, engine=demo_engine)


def test_task_reads(demo_engine):
    plan_id = common.plans(demo_engine)[0]["id"]
    unit_id = {v: k for k, v in common.unit_names(demo_engine).items()}["城关镇人民政府"]
    rows, total = tasks_reads.task_table(plan_id, unit_id=unit_id, engine=demo_engine)
    assert total == len(rows) and "六.1" in {r["code"] for r in rows}  # through the group 各镇人民政府
    red, _ = tasks_reads.task_table(plan_id, lights=("red",), due_to=TODAY, engine=demo_engine)
    assert red and all(r["light"] == "red" for r in red)
    task = f.task(demo_engine, "三.5")
    near = tasks_reads.neighbours(task.id, demo_engine)
    assert {n["code"] for n in near["up"]} == {"三.1", "三.2", "三.3", "三.4"}
    assert {n["code"] for n in near["down"]} == {"四.1"}
    assert tasks_reads.task_detail(task.id, demo_engine)["units"]["lead"] == ["县城市管理局"]


def test_unit_handover_and_ranking_reads(demo_engine):
    names = {v: k for k, v in common.unit_names(demo_engine).items()}
    mine = tasks_reads.my_tasks(names["县城市管理局"], demo_engine)
    assert {"lead", "responsible", "supporting"} == {t["role"] for t in mine}
    pending = handovers_reads.pending_steps(names["县城市管理局"], demo_engine)
    assert [p["party_role"] for p in pending] == ["receiver"]
    assert [h["kind"] for h in handovers_reads.handover_list(unit_id=names["县财政局"], engine=demo_engine)] == ["asset"]
    ranking = rankings.ranking(as_of=TODAY, engine=demo_engine)
    assert ranking["units"] and ranking["red"]
    assert admin.audit_events(action="plan.publish", engine=demo_engine)
    assert len(admin.users(demo_engine)) == 12
