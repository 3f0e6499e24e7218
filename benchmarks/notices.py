"""Notice generation speed against its floor: saving an empty python-docx document.

Medians from the same run; ``notice_vs_blank`` is the ratio the product card tracks (aim ≤ 3).
The bulletin chart is cached by its data, so ``bulletin_s`` is a re-render; the cold matplotlib
cost of a new period's chart is reported on its own as ``bulletin_chart_uncached_s``.
"""

from __future__ import annotations

import io
import statistics
import time
from functools import partial

import docx

from benchmarks import median_time
from models.demo.notice_samples import sample_context
from models.documents import bulletin, load_template, render_notice
from models.documents.chart import score_chart


def _blank() -> bytes:
    out = io.BytesIO()
    docx.Document().save(out)
    return out.getvalue()


def supervision_batch(count: int) -> float:
    """Seconds to issue ``count`` 督办通知单 through the service (文号, file, audit each), on SQLite."""
    import tempfile
    from datetime import date
    from pathlib import Path

    from sqlmodel import select

    from models.db import engine_for, read_session
    from models.demo.synthetic import generate
    from models.migrate import upgrade
    from models.services import notices
    from models.services.actor import Actor
    from models.tables import Task

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'batch.db'}"
        upgrade(url)
        engine = engine_for(url)
        today = date(2026, 11, 21)
        generate(counties=max(1, count // 50), today=today, engine=engine)
        with read_session(engine) as session:
            ids = list(session.exec(select(Task.id).where(Task.parent_id.is_not(None)).limit(count)).all())  # type: ignore[union-attr]
        actor = Actor.system("bench")
        started = time.perf_counter()
        for task_id in ids:
            notices.issue(actor, "supervision", notices.Subject(task_id=task_id), today=today,
                          idempotency_key=f"bench:{task_id}", engine=engine)
        elapsed = time.perf_counter() - started
        engine.dispose()
        return elapsed * count / max(1, len(ids))


def bench(*, quick: bool = False) -> dict[str, float]:
    repeat = 15 if quick else 60
    kinds = ("supervision", "bulletin")
    templates = {k: load_template(k) for k in kinds}
    contexts = {k: sample_context(k, code=templates[k].code) for k in kinds}
    blank = median_time(_blank, repeat, warm=True)
    per_kind = {k: median_time(partial(render_notice, k, contexts[k], templates[k]), repeat, warm=True) for k in kinds}
    notice = statistics.mean(per_kind.values())
    chart = bulletin.chart(contexts["bulletin"].data)
    draw = score_chart.__wrapped__  # uncached: what the first render of a new period costs
    units = tuple((str(u["unit"]), float(u["score"])) for u in contexts["bulletin"].data["units"])
    chart_s = median_time(partial(draw, units, width_mm=chart.width_mm, height_mm=chart.height_mm), max(3, repeat // 10))
    return {
        "notices_per_s": 1 / notice,
        "notice_s": notice,
        "supervision_s": per_kind["supervision"],
        "bulletin_s": per_kind["bulletin"],
        "bulletin_chart_uncached_s": chart_s,
        "blank_docx_s": blank,
        "notice_vs_blank": notice / blank,
        "supervision_1000_s": supervision_batch(100 if quick else 1000) * (10 if quick else 1),
    }


if __name__ == "__main__":
    for key, value in bench().items():
        print(f"{key:>26}: {value:.4g}")
