"""Item lists of handovers (staff roster, asset inventory, archive volumes) and their totals.

Totals on a signed list must equal the sum of the items; validation happens at start and at every
confirmation, so a list edited after signing can never be countersigned with stale totals.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from models.services.errors import Invalid
from models.vocabulary import HandoverKind

KIND_LABELS = HandoverKind.labels()
# which offices countersign each kind (keys of the "special_units" setting)
SUPERVISORS = {"staff": ("staffing", "hr"), "asset": ("finance",), "archive": ("archives",),
               "establishment": ("staffing",), "function": ("staffing",)}
ESTABLISHMENT_TYPES = {"行政", "参公", "事业", "工勤"}
RETENTIONS = {"永久", "长期", "短期", "30年", "10年"}
REQUIRED = {
    "staff": ("name", "establishment_type"),
    "asset": ("asset_code", "name", "quantity", "original_value", "net_value"),
    "archive": ("archive_code", "title", "count"),
    "establishment": ("establishment_type", "count"),
    "function": ("name",),
}


def _money(value: Any, label: str, row: int) -> Decimal:
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        raise Invalid(f"第 {row} 行{label}不是有效金额：{value}") from None
    if amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise Invalid(f"第 {row} 行{label}须为非负数且最多两位小数")
    return amount


def _count(value: Any, label: str, row: int) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        raise Invalid(f"第 {row} 行{label}须为整数：{value}") from None
    if number < 0:
        raise Invalid(f"第 {row} 行{label}不能为负数")
    return number


def normalise_items(kind: str, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Validate each row and return clean rows (strings stripped, numbers canonical)."""
    if kind not in REQUIRED:
        raise Invalid(f"未知交接类型：{kind}")
    clean = []
    for row_no, raw in enumerate(items, start=1):
        row = {str(k): ("" if v is None else str(v).strip()) for k, v in raw.items()}
        missing = [k for k in REQUIRED[kind] if not row.get(k)]
        if missing:
            raise Invalid(f"第 {row_no} 行缺少：{'、'.join(missing)}")
        if kind == "staff" and row["establishment_type"] not in ESTABLISHMENT_TYPES:
            raise Invalid(f"第 {row_no} 行编制类型须为 {'/'.join(sorted(ESTABLISHMENT_TYPES))}")
        if kind == "asset":
            row["quantity"] = str(_count(row["quantity"], "数量", row_no))
            original = _money(row["original_value"], "原值", row_no)
            net = _money(row["net_value"], "净值", row_no)
            if net > original:
                raise Invalid(f"第 {row_no} 行净值不能大于原值")
            row["original_value"], row["net_value"] = f"{original:.2f}", f"{net:.2f}"
        if kind in {"archive", "establishment"}:
            row["count"] = str(_count(row["count"], "数量", row_no))
        if kind == "archive" and row.get("retention") and row["retention"] not in RETENTIONS:
            raise Invalid(f"第 {row_no} 行保管期限须为 {'/'.join(sorted(RETENTIONS))}")
        clean.append(row)
    return clean


def totals(kind: str, items: list[dict[str, Any]]) -> dict[str, str]:
    if kind == "staff":
        out = {"count": str(len(items))}
        for t in sorted(ESTABLISHMENT_TYPES):
            n = sum(1 for i in items if i.get("establishment_type") == t)
            if n:
                out[t] = str(n)
        return out
    if kind == "asset":
        return {"items": str(len(items)),
                "quantity": str(sum(int(i["quantity"]) for i in items)),
                "original_value": f"{sum(Decimal(i['original_value']) for i in items):.2f}",
                "net_value": f"{sum(Decimal(i['net_value']) for i in items):.2f}"}
    if kind == "archive":
        return {"volumes": str(len(items)), "count": str(sum(int(i["count"]) for i in items))}
    if kind == "establishment":
        return {"count": str(sum(int(i["count"]) for i in items))}
    return {"items": str(len(items))}


def check_declared(kind: str, items: list[dict[str, Any]], declared: dict[str, Any]) -> None:
    """Every declared figure must equal the computed one (compared as numbers)."""
    actual = totals(kind, items)
    for key, value in declared.items():
        if key not in actual:
            raise Invalid(f"清单合计项“{key}”不适用于{KIND_LABELS.get(kind, kind)}")
        if Decimal(str(value)) != Decimal(actual[key]):
            raise Invalid(f"清单合计不符：{key} 申报 {value}，明细合计 {actual[key]}")
