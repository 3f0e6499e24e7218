"""工作进展通报: totals sentence, unit-score chart, ranking and overdue tables."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from models.documents.chart import score_chart
from models.documents.layout import Attachment, Column, Image, Table
from models.documents.ooxml import SIZE_4, SIZE_S4
from models.documents.text import cn_date, join_units

CHART_WIDTH_MM = 150


def _rate(value: Any) -> str:
    """Rates arrive as fractions (0.85) or percentages (85); print ``85.0%``."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return "" if value is None else str(value)
    if number != number or abs(number) > 1e6:
        return str(value)
    return f"{number * 100 if abs(number) <= 1 else number:.1f}%"


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return 0


def _units(data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [u for u in data.get("units") or [] if isinstance(u, Mapping)]


def variables(data: Mapping[str, Any]) -> dict[str, str]:
    period = data.get("period") or {}
    totals = data.get("totals") or {}
    total, done = _int(totals.get("total")), _int(totals.get("done"))
    return {
        "period_label": str(period.get("label") or ""),
        "start": cn_date(period.get("start")),
        "end": cn_date(period.get("end")),
        **{k: str(_int(totals.get(k))) for k in ("total", "done", "green", "yellow", "red", "at_risk")},
        "done_rate": f"{Decimal(done * 100) / total:.1f}%" if total else "0.0%",
        "red_list": join_units(data.get("red_list")) or "无",
        "black_list": join_units(data.get("black_list")) or "无",
        "overdue_count": str(len(data.get("overdue_tasks") or [])),
        "unit_count": str(sum(1 for u in _units(data) if _int(u.get("task_count", 1)) > 0)),
        "scored_count": str(sum(1 for u in _units(data) if _score(u) is not None)),
        "as_of": cn_date(data.get("as_of") or period.get("end")),
        "composition_rule": composition_rule(data),
    }


def _legend(data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The weighted figures behind the scores (``rankings.bulletin_data``); older data: the on-time score only."""
    legend: list[Mapping[str, Any]] = [c for c in data.get("composition") or []
                                       if isinstance(c, Mapping) and c.get("label")]
    return legend or [{"key": "on_time", "label": "按期完成", "kind": "rate", "weight": 1}]


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number and abs(number) < 1e6 else None


def composition_rule(data: Mapping[str, Any]) -> str:
    """One sentence: ``按期完成（权重0.6）、签收（权重0.2）、互评（权重0.2，取自…）加权，获批延期每次扣1分``."""
    rates, counts = [], []
    for c in _legend(data):
        weight = _number(c.get("weight")) or 0
        if not weight:
            continue
        source = f"，取自{c['source']}" if c.get("source") and c.get("key") == "peer" else ""
        if c.get("kind") == "count":
            counts.append(f"{c['label']}每次扣{weight:g}分")
        else:
            rates.append(f"{c['label']}（权重{weight:g}{source}）")
    rule = "、".join(rates) + "加权合成" if rates else "按期完成情况计算"
    return rule + ("，" + "，".join(counts) if counts else "")


def _score(unit: Mapping[str, Any]) -> float | None:
    """A unit's score, or None when it has nothing due yet (such units are not drawn as 0)."""
    try:
        score = float(unit["score"])
    except (KeyError, TypeError, ValueError):
        return None
    return score if score == score and abs(score) < 1e6 else None


def chart(data: Mapping[str, Any]) -> Image:
    scores = [(str(u.get("unit") or ""), s) for u in _units(data) if (s := _score(u)) is not None]
    height = max(45.0, min(200.0, 7.0 * len(scores) + 20))
    png = score_chart(tuple(scores), width_mm=CHART_WIDTH_MM, height_mm=height)
    lowest = min(height, max(45.0, 4.5 * len(scores) + 20))  # bars no thinner than 4.5 mm a unit

    def redraw(height_mm: float) -> bytes:
        return score_chart(tuple(scores), width_mm=CHART_WIDTH_MM, height_mm=round(height_mm, 1))

    return Image(png, CHART_WIDTH_MM, height, "各单位得分", redraw=redraw, min_height_mm=lowest)


def _signoff(signed: int, addressed: int) -> list[str]:
    """签收 cells: ``已签/应签`` and the rate from those same counts, so the 合计 row adds up."""
    return [f"{signed}/{addressed}", f"{Decimal(signed * 100) / addressed:.1f}%"] if addressed else ["", ""]


def _ranking(units: list[Mapping[str, Any]]) -> Table:
    """Ranking table; the 签收 columns appear when the data carries receipts (督办通知单/催办函 signed for by the
    bulletin's as-of date, counted by the same query as the scores)."""
    receipts = any(_int(u.get("signoff_addressed")) for u in units)
    columns = [Column("排名", 0.9), Column("单位", 3, "left"), Column("牵头\n任务", 1.1), Column("已完成", 1.1),
               Column("按时\n完成率", 1.4), Column("逾期", 0.9), Column("得分", 1.0)]  # headers break where they read
    if receipts:
        columns += [Column("已签/\n应签", 1.2), Column("签收率", 1.2)]
    rows: list[list[str | list[str]]] = []
    for u in units:
        row: list[str | list[str]] = [str(u.get("rank") or ""), str(u.get("unit") or ""), str(u.get("lead_total") or 0),
               str(u.get("lead_done") or 0), _rate(u.get("on_time_rate")), str(u.get("overdue") or 0),
               str(u.get("score") if u.get("score") is not None else "")]
        if receipts:
            row += _signoff(_int(u.get("signoff_signed")), _int(u.get("signoff_addressed")))
        rows.append(row)
    totals: list[str] = ["合计", f"{len(units)}个单位", str(sum(_int(u.get("lead_total")) for u in units)),
              str(sum(_int(u.get("lead_done")) for u in units)), "", str(sum(_int(u.get("overdue")) for u in units)), ""]
    if receipts:
        totals += _signoff(sum(_int(u.get("signoff_signed")) for u in units),
                           sum(_int(u.get("signoff_addressed")) for u in units))
    return Table(columns, rows, totals, size=SIZE_S4 if receipts else SIZE_4)


def attachments(data: Mapping[str, Any], titles: list[str]) -> list[Attachment]:
    ranking = _ranking(_units(data))
    tasks = [t for t in data.get("overdue_tasks") or [] if isinstance(t, Mapping)]
    overdue = Table(
        [Column("序号", 0.9), Column("任务编号", 1.1), Column("任务名称", 3.2, "left"), Column("牵头单位", 2, "left"),
         Column("完成时限", 1.6), Column("逾期天数", 1)],
        [[str(i), str(t.get("code") or ""), str(t.get("title") or ""), join_units(t.get("lead_units")),
          cn_date(t.get("deadline")), str(t.get("days_overdue") or "")] for i, t in enumerate(tasks, 1)],
        ["合计", f"{len(tasks)}项", "", "", "", ""],
    )
    tables = (ranking, overdue, composition_table(data))
    return [Attachment(title, [table]) for title, table in zip(titles, tables, strict=False)]


def _component_cell(component: Mapping[str, Any] | None) -> list[str] | str:
    """``85.0×`` / ``0.6`` / ``=51.0``, one paragraph each, so a narrow cell never wraps inside a number
    (a line may only break before the ×); ``—`` when the unit has no value for the figure."""
    if not isinstance(component, Mapping):
        return "—"
    value, weight, points = (_number(component.get(k)) for k in ("value", "weight", "points"))
    if value is None or weight is None or points is None or (component.get("kind") != "count" and not weight):
        return "—"
    if component.get("kind") == "count":
        return f"{value:g}次" if not value else [f"{value:g}次×", f"{weight:g}", f"={points:.1f}"]
    return [f"{value:.1f}×", f"{weight:.3g}", f"={points:.1f}"]


def composition_table(data: Mapping[str, Any]) -> Table:
    """Every unit's score as the sum of its weighted figures (value × weight = points)."""
    legend = _legend(data)
    rows = []
    for u in _units(data):
        parts = {c.get("key"): c for c in u.get("components") or [] if isinstance(c, Mapping)}
        if not parts:  # data without a composition: the score is the on-time score
            score = _score(u)
            parts = {"on_time": {"kind": "rate", "value": score, "weight": 1, "points": score}}
        rows.append([str(u.get("rank") or ""), str(u.get("unit") or ""),
                     *(_component_cell(parts.get(c.get("key"))) for c in legend),
                     str(u.get("score") if u.get("score") is not None else "")])
    figures = [Column(str(c["label"]), 1.5) for c in legend]
    return Table([Column("排名", 0.8), Column("单位", 2.6, "left"), *figures, Column("得分", 1.0)], rows,
                 ["合计", f"{len(rows)}个单位", *("" for _ in legend), ""])
