"""Rankings and bulletin data: weights, on-time rules, red/black lists, parent tasks excluded."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import select

from models.db import read_session, write_session
from models.services import plans, rankings
from models.services.actor import Actor
from models.services.units import ensure_unit
from models.tables import ReportSlot, TaskUnit, Unit
from tests.conftest import TODAY


def _plan(engine: Engine) -> None:
    with write_session(engine) as s:
        for name in ("甲局", "乙局", "丙局"):
            ensure_unit(s, name)
    d = lambda n: (TODAY + timedelta(days=n)).isoformat()  # noqa: E731
    task = {"text": "", "responsible_units": [], "supporting_units": [], "deadline_text": None, "ongoing": False,
            "relative": False, "milestone": False, "depends_on": [], "percent": 0, "actual_finish": None}
    draft = {"plan": {"title": "测试方案", "date": d(-60), "start_date": d(-60)}, "tasks": [
        {**task, "code": "一", "title": "组", "parent": None, "lead_units": [], "deadline": None,
         "status": "not_started"},
        {**task, "code": "一.1", "title": "按时完成", "parent": "一", "lead_units": ["甲局"],
         "supporting_units": ["乙局"], "deadline": d(-20), "status": "done", "percent": 100,
         "actual_finish": d(-25)},
        {**task, "code": "一.2", "title": "逾期未完成", "parent": "一", "lead_units": ["乙局"],
         "supporting_units": ["丙局"], "deadline": d(-10), "status": "in_progress", "percent": 50},
        {**task, "code": "一.3", "title": "逾期完成", "parent": "一", "lead_units": ["丙局"], "deadline": d(-15),
         "status": "pending_review", "percent": 100, "actual_finish": d(-12)},
        {**task, "code": "一.4", "title": "未到期", "parent": "一", "lead_units": ["甲局"], "deadline": d(30),
         "status": "in_progress", "percent": 70},  # on pace (66.7 % expected), lights computed at publish
    ]}
    plans.publish_plan(Actor.system("test"), draft, today=TODAY, engine=engine)


def test_weights_scores_and_lists(engine: Engine) -> None:
    _plan(engine)
    with read_session(engine) as s:
        data = rankings.bulletin_data(s, rankings.Period("week", "测试周", TODAY - timedelta(days=6), TODAY))
    units = {u["unit"]: u for u in data["units"]}
    # 甲: one on-time lead task (the other not yet due)
    composition = {"unit_id", "components", "figures", "on_time_score"}  # issue 18: see test_evaluation.py
    assert {k: v for k, v in units["甲局"].items() if k not in composition} == {
        "unit": "甲局", "task_count": 2, "lead_total": 2, "lead_done": 1, "on_time_rate": 1.0, "overdue": 0,
        "score": 100.0, "rank": 1, "signoff_rate": None,
        "signoff_signed": None, "signoff_addressed": None, "missed_reports": 0}
    assert units["甲局"]["on_time_score"] == 100.0  # nothing else to weigh: the score is the on-time score
    # 乙: supporting an on-time task (0.5) + leading an overdue one (1): 0.5 / 1.5
    assert units["乙局"]["score"] == 33.3 and units["乙局"]["overdue"] == 1
    # 丙: late finish as lead (half credit, weight 1) + supporting an overdue task (0.5): 0.5 / 1.5
    assert units["丙局"]["score"] == 33.3 and units["丙局"]["on_time_rate"] == 0.0
    assert units["丙局"]["overdue"] == 1  # finished late counts as overdue
    assert [u["unit"] for u in data["units"]] == ["甲局", "乙局", "丙局"]  # tie broken by on-time rate
    # 丙 scores lowest but had nothing due in this week: it is not named on the 黑榜
    assert data["red_list"] == ["甲局", "乙局"] and data["black_list"] == []
    with read_session(engine) as s:
        month = rankings.bulletin_data(s, rankings.Period("month", "测试月", TODAY - timedelta(days=30), TODAY))
    assert month["black_list"] == ["丙局"]  # its late task was due in this period
    assert rankings.SUPPORTING_WEIGHT == 0.5
    assert data["totals"]["total"] == 4 and data["totals"]["done"] == 2  # parent "一" excluded
    assert data["overdue_tasks"] == [{"code": "一.2", "title": "逾期未完成", "lead_units": ["乙局"],
                                      "deadline": (TODAY - timedelta(days=10)).isoformat(), "days_overdue": 10}]
    assert set(data) == {"period", "as_of", "totals", "units", "red_list", "black_list", "overdue_tasks",
                         "composition"}
    t = data["totals"]
    assert t["done"] + t["green"] + t["yellow"] + t["red"] == t["total"] and t["red"] == 1


def test_periods_are_the_last_closed_week_month_quarter() -> None:
    assert rankings.period_for("week", TODAY).as_dict() == {"label": "2026年第46周", "start": "2026-11-09",
                                                             "end": "2026-11-15"}
    assert rankings.period_for("week", date(2026, 11, 23)).end == date(2026, 11, 22)  # Monday: last week
    assert rankings.period_for("month", TODAY).label == "2026年10月"
    q = rankings.period_for("quarter", TODAY)
    assert (q.label, q.start, q.end) == ("2026年第三季度", date(2026, 7, 1), date(2026, 9, 30))
    assert rankings.period_for("quarter", date(2027, 1, 1)).label == "2026年第四季度"


def test_demo_bulletin_is_ordered_and_consistent(demo_engine: Engine) -> None:
    data = rankings.bulletin("month", TODAY, engine=demo_engine)
    ranked = [u for u in data["units"] if u["rank"] is not None]
    assert [u["rank"] for u in ranked] == list(range(1, len(ranked) + 1))
    assert [u["score"] for u in ranked] == sorted((u["score"] for u in ranked), reverse=True)
    assert data["red_list"] == [u["unit"] for u in ranked if u["on_time_rate"]][:5]  # only units with on-time work
    assert data["black_list"] and not set(data["red_list"]) & set(data["black_list"])
    assert "各镇人民政府" not in {u["unit"] for u in data["units"]}  # groups stand for their members
    assert {"河西镇人民政府", "城关镇人民政府"} <= {u["unit"] for u in data["units"]}
    assert data["totals"]["total"] == 29  # 37 demo tasks minus 8 parent headings
    t = data["totals"]
    assert t["done"] + t["green"] + t["yellow"] + t["red"] == 29  # every figure as of the period end
    assert data["as_of"] == data["period"]["end"]


def _live(engine: Engine, as_of: date, plan_id: int | None = None) -> list[dict[str, object]]:
    """The ranking computed from the task rows, with the materialised sums set aside."""
    with write_session(engine) as s:
        rankings.forget(s)
    with read_session(engine) as s:
        assert not rankings._materialised(s, as_of, plan_id)
        return rankings.rank_units(s, as_of=as_of, plan_id=plan_id)


def test_materialised_sums_follow_every_write(demo_engine: Engine) -> None:
    """Publishing, the scan and a task write keep the stored sums equal to the live ranking (GUIDE rule 7)."""
    from sqlmodel import select

    from models.services import scheduling, tasks
    from models.services.accounts import actor_for
    from models.tables import Task, TaskUnit, User

    days = rankings.ranking_days(TODAY)
    assert TODAY in days and len(days) == 4
    with read_session(demo_engine) as s:
        assert all(rankings._materialised(s, day, None) for day in days)  # written when the demo was published
        stored = {day: rankings.rank_units(s, as_of=day) for day in days}
    assert stored == {day: _live(demo_engine, day) for day in days}

    scheduling.recompute_all(Actor.system("test"), today=TODAY, engine=demo_engine)  # as the daily scan does
    with read_session(demo_engine) as s:
        user = s.exec(select(User).where(User.username == "chengguan")).one()
        task = s.exec(select(Task).join(TaskUnit, TaskUnit.task_id == Task.id)  # type: ignore[arg-type]
                      .where(TaskUnit.unit_id == user.unit_id, TaskUnit.role == "lead",
                             Task.status == "in_progress")).first()
        assert task is not None
        before = rankings.rank_units(s, as_of=TODAY)
    tasks.report_done(actor_for(user), task_id=task.id or 0, expected_version=task.version, note="已完成",
                      today=TODAY, engine=demo_engine)
    with read_session(demo_engine) as s:
        assert rankings._materialised(s, TODAY, None)
        after = rankings.rank_units(s, as_of=TODAY)
        plan_after = rankings.rank_units(s, as_of=TODAY, plan_id=task.plan_id)
    assert after != before  # the finished task moved its units' figures at once
    assert after == _live(demo_engine, TODAY)
    assert plan_after == _live(demo_engine, TODAY, task.plan_id)


def test_the_ranking_page_view_is_a_page_of_the_full_ranking(demo_engine: Engine) -> None:
    """考核排名 shows one page, the chart's first units, the 红黑榜, the viewer's unit and a search: each
    exactly as the full ranking has it (the page never builds every unit's row)."""
    with read_session(demo_engine) as s:
        full = rankings.rank_units(s, as_of=TODAY)
    red, black = rankings.red_black(full)
    ranked = [u for u in full if u["rank"] is not None]
    assert len(ranked) > 4
    view = rankings.ranking_view(as_of=TODAY, offset=2, limit=3, unit_id=ranked[3]["unit_id"], engine=demo_engine)
    assert view["units"] == full[2:5]
    assert (view["total"], view["matched"], view["ranked"]) == (len(full), len(full), len(ranked))
    assert (view["red"], view["black"]) == (red, black)
    assert view["chart"] == [{"unit": u["unit"], "on_time_rate": u["on_time_rate"]} for u in ranked[:40]]
    assert view["mine"] == ranked[3] and view["mine"]["rank"] == 4
    needle = ranked[-1]["unit"][-3:]
    found = rankings.ranking_view(as_of=TODAY, search=f" {needle} ", engine=demo_engine)
    assert found["units"] == [u for u in full if needle in u["unit"]] and found["matched"] == len(found["units"])
    assert found["red"] == red and found["total"] == len(full)  # the lists and totals stay the whole ranking's
    assert rankings.ranking_view(as_of=TODAY, search="没有这个单位", engine=demo_engine)["units"] == []


def _reference_score(card: Any, uid: int) -> float | None:
    """``Scorecard.score`` unit by unit as it was before ``Scorecard.scores`` (int4): the oracle of the bulk pass."""
    total = 0.0
    for weight, values in card.weighed:
        if uid in values:
            total += weight
    if not total or not all(uid in values for values in card.required):
        return None
    points_sum = 0.0
    for _, _, kind, weight, values in card.present:
        value = values.get(uid)
        if kind == "rate":
            if value is not None and weight > 0:
                points_sum += round(value * (weight / total), 1)
        elif value:
            points_sum += round(-value * weight, 1)
    return round(max(0.0, points_sum), 1)


def test_the_bulk_scores_equal_the_unit_by_unit_composition(demo_engine: Engine) -> None:
    """The one-pass scoring of every unit (考核排名 over all plans) gives the same scores, order, ranks and
    红黑榜 as composing each unit alone: on ties, group members, supporting shares, 互评, 延期 and missed slots."""
    from models.services import evaluation, requests, scorecard
    from tests.factories import actor, task

    office, chengguan, zhen = (actor(demo_engine, n) for n in ("gaiban", "chengguan", "chengguanzhen"))
    with read_session(demo_engine) as s:
        cg = s.exec(select(Unit.id).where(Unit.name == "县城市管理局")).one()
    rnd = evaluation.open_round(office, label="互评", period_start=date(2026, 11, 1), period_end=date(2026, 11, 15),
                                scale_min=0, scale_max=100, engine=demo_engine)
    evaluation.rate(zhen, round_id=rnd.id or 0, ratee_unit_id=cg, score=77, engine=demo_engine)
    evaluation.close_round(office, round_id=rnd.id or 0, expected_version=1, engine=demo_engine)
    t = task(demo_engine, "五.4")
    req = requests.file_extension(chengguan, task_id=t.id or 0, expected_version=t.version,
                                  new_deadline=TODAY + timedelta(days=30), reason="x", today=TODAY, engine=demo_engine)
    requests.decide(office, request_id=req.id or 0, expected_version=req.version, approve=True, today=TODAY,
                    engine=demo_engine)
    with write_session(demo_engine) as s:  # report slots: one missed, one filed late, one of a group's task
        group = s.exec(select(Unit.id).where(Unit.name == "各镇人民政府")).one()
        led = s.exec(select(TaskUnit.task_id).where(TaskUnit.unit_id == group, TaskUnit.role == "lead")).first()
        assert led is not None
        for task_id, due, filed in ((t.id, -20, None), (t.id, -10, -8), (led, -15, None)):
            s.add(ReportSlot(task_id=task_id or 0, opens_on=TODAY + timedelta(days=due - 5),
                             due_on=TODAY + timedelta(days=due), frequency="monthly",
                             remind_on=TODAY + timedelta(days=due - 2),
                             filed_on=None if filed is None else TODAY + timedelta(days=filed)))
    scorecard.set_weights(office, {"on_time": 0.55, "signoff": 0.3, "peer": 0.15, "extensions": 1.5,
                                   "missed_reports": 0.7}, engine=demo_engine)
    start = TODAY - timedelta(days=30)
    with read_session(demo_engine) as s:
        ordered, card, _ = rankings.standings(s, as_of=TODAY, start=start)
        full = rankings.rank_units(s, as_of=TODAY, start=start)
    figures = {key: values for key, _, _, _, values in card.figures}
    assert figures["peer"] and figures["extensions"] and figures["missed_reports"]  # every figure is exercised
    expected = {st.unit_id: _reference_score(card, st.unit_id) for st in ordered}
    assert {st.unit_id: st.score for st in ordered} == expected
    scores = [st.score for st in ordered if st.score is not None]
    assert len(set(scores)) < len(scores)  # ties, broken by the on-time rate, fewer overdue, the name
    assert any(float(st.sums.due_w) % 1 for st in ordered)  # a supporting unit's half share
    assert "河西镇人民政府" in {st.unit for st in ordered}  # a member standing for its group
    for st in ordered:  # the rate and on-time score as each unit's sums give them
        if st.sums.due_w:
            assert st.on_time_rate == round(st.sums.on_time_w / st.sums.due_w, 4)
            assert st.on_time_score == round(100 * (st.sums.on_time_w + rankings.LATE_CREDIT * st.sums.late_done_w)
                                             / st.sums.due_w, 1)
    reference = sorted(ordered, key=lambda u: (expected[u.unit_id] is None, -(expected[u.unit_id] or 0),
                                               -(u.on_time_rate or 0), u.overdue + u.missed, u.unit))
    assert [st.unit_id for st in ordered] == [st.unit_id for st in reference]
    assert [u["rank"] for u in full] == [i if s is not None else None for i, s in
                                         enumerate((expected[st.unit_id] for st in reference), 1)]
    for u in full:  # the score is the sum of its printed points
        if u["score"] is not None:
            assert u["score"] == round(max(0.0, sum(c["points"] for c in u["components"])), 1)
    view = rankings.ranking_view(as_of=TODAY, start=start, limit=len(full), engine=demo_engine)
    assert view["units"] == full and (view["red"], view["black"]) == rankings.red_black(full)


def test_the_bulk_scores_equal_the_unit_by_unit_composition_on_many_units() -> None:
    """``Scorecard.scores`` against the unit-by-unit rule on 20,000 made-up units: every mix of figures,
    weights that do not add up to 1, rates on a tenth and on odd values, counts with fractional weights."""
    import random

    from models.services.scorecard import FIGURES, Scorecard

    rng = random.Random(17)
    units = list(range(1, 20_001))
    values: dict[str, dict[int, float]] = {
        "on_time": {u: round(rng.uniform(0, 100), 1) for u in units if rng.random() < 0.9},
        "signoff": {u: round(100 * rng.randint(0, 7) / rng.randint(7, 9), 1) for u in units if rng.random() < 0.5},
        "peer": {u: rng.choice((0.0, 33.3, 50.0, 66.7, 77.5, 100.0)) for u in units if rng.random() < 0.4},
        "extensions": {u: float(rng.randint(1, 3)) for u in units if rng.random() < 0.2},
        "missed_reports": {u: float(rng.randint(1, 9)) for u in units if rng.random() < 0.2},
    }
    for w in ({"on_time": 0.55, "signoff": 0.3, "peer": 0.15, "extensions": 1.5, "missed_reports": 0.7},
              {"on_time": 0.6, "signoff": 0.2, "peer": 0.2, "extensions": 1.0, "missed_reports": 1.0},
              {"on_time": 0.37, "signoff": 0.0, "peer": 0.29, "extensions": 0.0, "missed_reports": 2.3}):
        figures = [(f.key, f.label, f.kind, w[f.key], values[f.key]) for f in FIGURES]
        card = Scorecard(figures, [(weight, v) for _, _, kind, weight, v in figures if kind == "rate" and weight > 0],
                         [values["on_time"]], [f for f in figures if f[4]])
        expected = [_reference_score(card, u) for u in units]
        assert card.scores(units) == expected and [card.score(u) for u in units[:500]] == expected[:500]
        assert None in expected and 0.0 in expected and len(set(expected)) > 500
