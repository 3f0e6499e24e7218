"""考核排名: units ranked as of a day, the 红黑榜 and the score composition."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.engine import Engine

from models.db import read_session


def ranking(*, as_of: date, plan_id: int | None = None, start: date | None = None,
            engine: Engine | None = None) -> dict[str, Any]:
    """Units ranked as of a day, with the 红黑榜 and the score composition (models.services.rankings, scorecard)."""
    from models.services.rankings import rank_units, red_black
    from models.services.scorecard import legend

    with read_session(engine) as s:
        units = rank_units(s, as_of=as_of, plan_id=plan_id, start=start)
        composition = legend(s, as_of=as_of)
    red, black = red_black(units)
    return {"units": units, "red": red, "black": black, "composition": composition}


def ranking_view(*, as_of: date, plan_id: int | None = None, start: date | None = None, offset: int = 0,
                 limit: int = 200, search: str = "", unit_id: int | None = None,
                 engine: Engine | None = None) -> dict[str, Any]:
    """What the 考核排名 page shows: one page of the ranking (units whose name contains ``search``), the chart's
    first units, the 红黑榜, the viewer's own unit and totals (models.services.rankings.ranking_view)."""
    from models.services.rankings import ranking_view as view

    return view(as_of=as_of, plan_id=plan_id, start=start, offset=offset, limit=limit, search=search,
                unit_id=unit_id, engine=engine)
