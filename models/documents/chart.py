"""Bar chart of unit scores for the progress bulletin (matplotlib, Agg, CJK font via fontconfig).

Rendering a chart costs more than laying out a whole notice, so PNGs are cached by their data:
a bulletin previewed and then issued draws its chart once.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import warnings
from functools import lru_cache

import matplotlib

matplotlib.use("Agg")
from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from models.documents.text import char_width, sanitize  # noqa: E402
from models.documents.typeset import split_title  # noqa: E402

_PREFERRED = ("Noto Sans CJK SC", "Noto Serif CJK SC", "WenQuanYi Zen Hei", "AR PL UMing CN")


@lru_cache(maxsize=1)
def cjk_font_file() -> str | None:
    """Path of an installed Chinese font found through fontconfig, or None (labels then show boxes)."""
    if shutil.which("fc-match") is None:
        return None
    for family in _PREFERRED + (":lang=zh-cn",):
        pattern = family if family.startswith(":") else f"{family}:lang=zh-cn"
        try:
            out = subprocess.run(["fc-match", "-f", "%{family}\n%{file}", pattern], capture_output=True,
                                 text=True, timeout=10, check=False).stdout
        except (OSError, subprocess.SubprocessError):
            return None
        name, _, path = out.partition("\n")
        if path and (family.startswith(":") or family.lower() in name.lower()):
            return path.strip()
    return None


LABEL_PT = 9
LABEL_CHARS = 14  # longer unit names wrap (between words) onto a second line


def _label(name: str) -> str:
    # Plain text only: '$' would start matplotlib mathtext, and XML-invalid characters cannot be drawn.
    return "\n".join(split_title(sanitize(name), LABEL_CHARS)).replace("$", r"\$")


@lru_cache(maxsize=64)
def score_chart(units: tuple[tuple[str, float], ...], *, width_mm: float, height_mm: float) -> bytes:
    """PNG bytes of :func:`chart_figure`, sized for the 版心."""
    fig = chart_figure(units, width_mm=width_mm, height_mm=height_mm)
    out = io.BytesIO()
    with warnings.catch_warnings():  # a glyph missing from the font is drawn as a box, not an error
        warnings.simplefilter("ignore", UserWarning)
        fig.savefig(out, format="png")
    return out.getvalue()


def chart_figure(units: tuple[tuple[str, float], ...], *, width_mm: float, height_mm: float) -> Figure:
    """Horizontal bars, best unit on top; the label margin is as wide as the longest (wrapped) name."""
    font_file = cjk_font_file()
    props = font_manager.FontProperties(fname=font_file, size=LABEL_PT) if font_file else None
    fig = Figure(figsize=(width_mm / 25.4, height_mm / 25.4), dpi=150)
    names = [_label(name) for name, _ in units][::-1]
    widest = max((char_width(line) for n in names for line in n.split("\n")), default=4.0)
    left = min(0.55, (widest * LABEL_PT / 72 + 0.15) / (width_mm / 25.4))
    ax = fig.add_axes((left, 0.1, 0.93 - left, 0.85))
    scores = [score for _, score in units][::-1]
    ax.barh(range(len(scores)), scores, color="#3a6ea5", height=0.6)
    ax.set_xlim(0, max([100.0, *scores]) * 1.12)
    ax.set_ylim(-0.6, len(scores) - 0.4)
    ax.set_yticks(range(len(names)), names, fontproperties=props)
    ax.set_xlabel("得分", fontproperties=props)
    for i, score in enumerate(scores):
        ax.text(score, i, f" {score:g}", va="center", fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    return fig
