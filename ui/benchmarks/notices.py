"""Notice generation speed against its floor: saving an empty python-docx document.

Medians from the same run; ``notice_vs_blank`` is the ratio the product card tracks (aim ≤ 3).
"""

from __future__ import annotations

import io
import statistics
import time
from collections.abc import Callable

import docx

from models.documents import load_template, render_notice
from models.documents.samples import sample_context


def _median(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm caches (base package, templates, chart)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _blank() -> bytes:
    out = io.BytesIO()
    docx.Document().save(out)
    return out.getvalue()


def bench(*, quick: bool = False) -> dict[str, float]:
    repeat = 15 if quick else 60
    kinds = ("supervision", "bulletin")
    templates = {k: load_template(k) for k in kinds}
    contexts = {k: sample_context(k, code=templates[k].code) for k in kinds}
    blank = _median(_blank, repeat)
    per_kind = {k: _median(lambda k=k: render_notice(k, contexts[k], templates[k]), repeat) for k in kinds}
    notice = statistics.mean(per_kind.values())
    return {
        "notices_per_s": 1 / notice,
        "notice_s": notice,
        "supervision_s": per_kind["supervision"],
        "bulletin_s": per_kind["bulletin"],
        "blank_docx_s": blank,
        "notice_vs_blank": notice / blank,
    }


if __name__ == "__main__":
    for key, value in bench().items():
        print(f"{key:>16}: {value:.4g}")
