"""Score composition at 100,000 tasks: what the figures added by issue 18 (approved 延期 per unit, the latest
closed 互评 round, the weights, and composing every unit's score) cost on top of the ranking, against one
bare per-unit aggregate over the task-unit table (``GROUP BY unit_id``) as the floor, side by side in one run.

The synthetic province gets one approved extension per 20 tasks and a closed 互评 round with a rating for
every 条/块 pair of every county, so the aggregates read realistic volumes.
"""
from __future__ import annotations

import copy
import random
import tempfile
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Engine

from benchmarks import median_time
from benchmarks.scan import TODAY, _database
from models.db import read_session, write_session
from models.services import rankings, scorecard
from models.tables import EvalRating, EvalRound, Task, TaskRequest, TaskUnit, Unit


def _seed(engine: Engine) -> None:
    rng = random.Random(18)
    with write_session(engine) as session:
        rows = session.execute(select(Task.id, Task.plan_id, TaskUnit.unit_id).join(  # type: ignore[call-overload]
            TaskUnit, TaskUnit.task_id == Task.id).where(TaskUnit.role == "lead")).all()  # type: ignore[arg-type]
        picked = rows[::20]
        session.execute(insert(TaskRequest), [
            {"task_id": r.id, "plan_id": r.plan_id, "kind": "extend", "unit_id": r.unit_id, "filed_on": TODAY,
             "reason": "bench", "new_units": {}, "state": "approved", "version": 2, "created_at": None,
             "decided_on": TODAY - timedelta(days=rng.randint(0, 60))} for r in picked])
        rnd = EvalRound(label="bench", period_start=TODAY - timedelta(days=30), period_end=TODAY - timedelta(days=1),
                        scale_min=0, scale_max=100, state="closed")
        session.add(rnd)
        session.flush()
        units = session.execute(select(Unit.id, Unit.kind)).all()  # type: ignore[call-overload]
        towns = [u.id for u in units if u.kind == "town"]
        departments = [u.id for u in units if u.kind != "town"]
        pairs = {(t, d) for t in towns for d in rng.sample(departments, min(8, len(departments)))}
        session.execute(insert(EvalRating), [
            {"round_id": rnd.id, "rater_unit_id": a, "ratee_unit_id": b, "score": rng.randint(60, 100), "comment": "",
             "version": 1} for t, d in pairs for a, b in ((t, d), (d, t))])


def bench(*, quick: bool = False, tasks: int | None = None) -> dict[str, float]:
    size = tasks or (10_000 if quick else 100_000)
    runs = 5 if quick else 9
    with tempfile.TemporaryDirectory(prefix="reform-bench-scorecard-") as tmp:
        engine = _database(Path(tmp), size)
        _seed(engine)
        with read_session(engine) as session:
            base = rankings.rank_units(session, as_of=TODAY)  # composed once: restore the on-time scores
        for u in base:
            u["score"] = u.pop("on_time_score")

        def floor() -> None:
            with read_session(engine) as session:
                session.execute(select(TaskUnit.unit_id, func.count())  # type: ignore[call-overload]
                                .group_by(TaskUnit.unit_id)).all()

        fresh: list[list[dict[str, object]]] = []

        def reset() -> None:  # compose rewrites the rows: every sample starts from the on-time scores
            fresh[:] = [copy.deepcopy(base)]

        def figures() -> None:
            with read_session(engine) as session:
                scorecard.compose(session, fresh[0], as_of=TODAY, start=TODAY - timedelta(days=30))
                scorecard.legend(session, as_of=TODAY)

        def ranking() -> None:
            with read_session(engine) as session:
                rankings.rank_units(session, as_of=TODAY, start=TODAY - timedelta(days=30))

        bare = median_time(floor, runs, warm=True)
        reset()
        added = median_time(figures, runs, reset=reset, warm=True)
        whole = median_time(ranking, max(3, runs // 3), warm=True)
        engine.dispose()
    return {"scorecard_figures_s": round(added, 4), "scorecard_floor_group_by_s": round(bare, 4),
            "scorecard_vs_group_by": round(added / bare, 2), "scorecard_share_of_ranking": round(added / whole, 3),
            "ranking_composed_s": round(whole, 3)}


if __name__ == "__main__":
    print(bench())
