"""Handover item tables (名册/清单) with totals computed from the items.

Signed lists must add up, so totals are never taken from the request: ``declared_total`` is only
compared, and a mismatch or an unreadable number is printed as a 注 under the table.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from models.documents.layout import Column, Table, Text
from models.documents.ooxml import SIZE_S4
from models.documents.typeset import money

KIND_LABELS = {"staff": "人员", "asset": "资产", "archive": "档案", "establishment": "编制"}
LIST_KIND = {"staff-roster": "staff", "staff-transfer": "staff", "asset-list": "asset",
             "archive-list": "archive", "establishment": "establishment"}


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None or value == "":
        return None
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        return None
    # Huge exponents are typos, not amounts (and would print a million digits).
    return number if number.is_finite() and abs(number.adjusted()) <= 15 else None


def _qty(value: Decimal) -> str:
    return f"{value:f}" if value != value.to_integral_value() else f"{int(value)}"


def _money(value: Decimal) -> str:
    return money(value)


def _text(item: Mapping[str, Any], key: str) -> str:
    value = item.get(key)
    return "" if value is None else str(value)


def _items(handover: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    items = handover.get("items") or []
    return [i for i in items if isinstance(i, Mapping)]


def totals(kind: str, items: list[Mapping[str, Any]]) -> dict[str, Decimal]:
    """Sums the service layer can compare with a declared total (keys match item fields)."""
    fields = {"staff": (), "asset": ("quantity", "original_value", "net_value"),
              "archive": ("count",), "establishment": ("count",)}[kind]
    result = {"items": Decimal(len(items))}
    for name in fields:
        result[name] = sum((_number(i.get(name)) or Decimal(0) for i in items), Decimal(0))
    return result


def breakdown(items: list[Mapping[str, Any]], *, counted: bool) -> str:
    """``行政2名、事业3名`` by 编制类型; ``counted`` uses each item's count (编制 lines)."""
    tally: Counter[str] = Counter()
    for item in items:
        weight = (_number(item.get("count")) or Decimal(0)) if counted else Decimal(1)
        tally[_text(item, "establishment_type") or "其他"] += int(weight)
    return "、".join(f"{kind}编制{n}名" if kind in ("行政", "事业") else f"{kind}{n}名"
                     for kind, n in tally.items()) or "无"


def _notes(kind: str, items: list[Mapping[str, Any]], declared: Any, unreadable: list[int]) -> list[Text]:
    notes = []
    if unreadable:
        rows = "、".join(str(i) for i in unreadable)
        notes.append(f"注：第{rows}项数值无法识别，未计入合计。")
    if isinstance(declared, Mapping):
        computed = totals(kind, items)
        for key, value in declared.items():
            want = _number(value)
            if key in computed and want is not None and want != computed[key]:
                notes.append(f"注：申报合计（{key}：{value}）与明细合计（{_qty(computed[key])}）不一致，以明细合计为准。")
    return [Text(n, indent=False) for n in notes]


def item_table(kind: str, handover: Mapping[str, Any]) -> list[Table | Text]:
    """The list table for a handover kind, with a 合计 row and any 注."""
    items = _items(handover)
    unreadable: list[int] = []

    def num(i: int, item: Mapping[str, Any], key: str) -> str:
        raw = _text(item, key)
        if raw and _number(raw) is None:
            unreadable.append(i)
        return raw

    if kind == "staff":
        cols = [Column("序号", 0.9), Column("姓名", 1.2), Column("性别", 0.7), Column("编制类型", 1.1),
                Column("职务（岗位）", 1.6), Column("原单位", 2), Column("划入单位", 2), Column("备注", 1.2)]
        rows = [[str(i), _text(t, "name"), _text(t, "gender"), _text(t, "establishment_type"), _text(t, "post"),
                 _text(t, "from_unit"), _text(t, "to_unit"), _text(t, "note")] for i, t in enumerate(items, 1)]
        total_row = ["合计", f"{len(items)}人", "", "", "", "", "", ""]
    elif kind == "asset":
        cols = [Column("序号", 0.9), Column("资产编号", 1.7), Column("资产名称", 1.9, "left"), Column("类别", 1.1),
                Column("数量", 0.9, "right"), Column("计量单位", 1.0), Column("原值", 1.8, "right"),
                Column("净值", 1.8, "right"), Column("备注", 0.9)]
        rows = []
        for i, t in enumerate(items, 1):
            cells = [num(i, t, k) for k in ("quantity", "original_value", "net_value")]
            rows.append([str(i), _text(t, "asset_code"), _text(t, "name"), _text(t, "category"), cells[0],
                         _text(t, "unit_of_measure"), _fmt_money(cells[1]), _fmt_money(cells[2]), _text(t, "note")])
        s = totals(kind, items)
        total_row = ["合计", f"{len(items)}项", "", "", _qty(s["quantity"]), "", _money(s["original_value"]),
                     _money(s["net_value"]), ""]
    elif kind == "archive":
        cols = [Column("序号", 0.9), Column("档号", 1.8), Column("案卷（文件）题名", 3.2, "left"), Column("起止年度", 1.3),
                Column("保管期限", 1.1), Column("数量（卷/件）", 1.2, "right"), Column("备注", 1.1)]
        rows = [[str(i), _text(t, "archive_code"), _text(t, "title"), _text(t, "years"), _text(t, "retention"),
                 num(i, t, "count"), _text(t, "note")] for i, t in enumerate(items, 1)]
        total_row = ["合计", f"{len(items)}项", "", "", "", _qty(totals(kind, items)["count"]), ""]
    else:
        cols = [Column("序号", 0.9), Column("编制类型", 1.4), Column("数量（名）", 1.2, "right"),
                Column("划出单位", 2.2), Column("划入单位", 2.2), Column("备注", 1.4)]
        rows = [[str(i), _text(t, "establishment_type"), num(i, t, "count"), _text(t, "from_unit"),
                 _text(t, "to_unit"), _text(t, "note")] for i, t in enumerate(items, 1)]
        total_row = ["合计", "", _qty(totals(kind, items)["count"]), "", "", ""]
    if cols[-1].label == "备注" and not any(str(r[-1]).strip() for r in rows):
        cols, rows, total_row = cols[:-1], [r[:-1] for r in rows], total_row[:-1]  # no 备注: give the room away
    notes = _notes(kind, items, handover.get("declared_total"), sorted(set(unreadable)))
    if kind in ("staff", "establishment") and items:
        notes.insert(0, Text(f"其中：{breakdown(items, counted=kind == 'establishment')}。", indent=False))
    return [Table(cols, rows, total_row, size=SIZE_S4), *notes]


def _fmt_money(raw: str) -> str:
    value = _number(raw)
    return _money(value) if value is not None else raw


def summary(kind: str, handover: Mapping[str, Any]) -> str:
    """One-line description of what changes hands, for confirmations and notices."""
    items = _items(handover)
    s = totals(kind, items)
    if kind == "staff":
        return f"工作人员{len(items)}名（{breakdown(items, counted=False)}）"
    if kind == "asset":
        return (f"资产{len(items)}项，数量合计{_qty(s['quantity'])}，"
                f"原值合计{_money(s['original_value'])}元，净值合计{_money(s['net_value'])}元")
    if kind == "archive":
        return f"档案{len(items)}项，合计{_qty(s['count'])}卷（件）"
    return f"编制{_qty(s['count'])}名（{breakdown(items, counted=True)}）"
