"""Representative data for every notice kind: used by the benchmark, tests and UI previews."""

from __future__ import annotations

from datetime import date
from typing import Any

from models.documents.context import NoticeContext
from models.documents.text import format_doc_number

ISSUE_DATE = date(2026, 11, 21)
_UNITS = ["县城市管理局", "县住房和城乡建设局", "县市场监督管理局", "县自然资源局", "县生态环境局",
          "县农业农村局", "县文化和旅游局", "县卫生健康局", "县交通运输局", "县水利局"]

_PARTIES = [
    {"role": "sender", "role_label": "移交方", "unit": "县住房和城乡建设局", "confirmed_by": "王明",
     "confirmed_at": "2026-11-18T10:00:00"},
    {"role": "receiver", "role_label": "接收方", "unit": "县城市管理局", "confirmed_by": None, "confirmed_at": None},
    {"role": "supervisor", "role_label": "监督方", "unit": "县委机构编制委员会办公室", "confirmed_by": None,
     "confirmed_at": None},
]


def _handover(kind: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"handover": {
        "id": 7, "kind": kind, "title": "城市管理执法职能划转", "from_unit": "县住房和城乡建设局",
        "to_unit": "县城市管理局", "task_code": "2.3", "task_title": "整合城市管理执法队伍",
        "items": items, "declared_total": None, "parties": _PARTIES}}


def _staff(n: int) -> list[dict[str, Any]]:
    types = ["行政", "参公", "事业"]
    return [{"name": f"张{'一二三四五六七八九十'[i % 10]}{i}", "gender": "男" if i % 2 else "女",
             "establishment_type": types[i % 3], "post": "科员", "from_unit": "县住房和城乡建设局",
             "to_unit": "县城市管理局", "note": ""} for i in range(n)]


def _components(score: float, i: int) -> list[dict[str, Any]]:
    """A bulletin unit's score as on-time 0.6 + 签收 0.2 + 互评 0.2 (sample figures) minus extensions; every
    fourth unit has no 签收 figure, so its weights are re-normalised (0.75 + 0.25)."""
    extensions = i % 3
    base = score + extensions
    no_signoff = i % 4 == 3
    parts = [("on_time", "按期完成", base, 0.75 if no_signoff else 0.6),
             ("signoff", "签收", None if no_signoff else base, 0.0 if no_signoff else 0.2),
             ("peer", "互评", base, 0.25 if no_signoff else 0.2)]
    out = [{"key": k, "label": label, "kind": "rate", "value": v, "weight": w, "points": round((v or 0) * w, 1)}
           for k, label, v, w in parts]
    return [*out, {"key": "extensions", "label": "延期", "kind": "count", "value": extensions, "weight": 1,
                   "points": -extensions}]


def sample_data(kind: str, *, items: int = 12) -> dict[str, Any]:
    task = {"code": "2.3", "title": "整合城市管理执法队伍", "lead_units": ["县城市管理局"],
            "supporting_units": ["县住房和城乡建设局", "县委编办"], "deadline": "2026-09-30", "percent": 40,
            "status_label": "推进中", "days_overdue": 52, "light": "red",
            "url": "https://dbxt.qinghe.gov.cn/tasks?plan=1&task=2.3"}
    if kind == "issue-plan":
        return {"plan": {"title": "清河县城市管理体制改革实施方案", "doc_number": None, "issuer": "清河县人民政府办公室",
                         "date": "2026-11-01"},
                "tasks": [{"code": f"{i // 5 + 1}.{i % 5 + 1}", "title": f"完成{_UNITS[i % 10]}职能调整和人员转隶",
                           "lead_units": [_UNITS[i % 10]], "supporting_units": ["县委编办", "县财政局"],
                           "deadline": "2026-12-31", "deadline_text": "2026年年底前"} for i in range(items)]}
    if kind in ("supervision", "urging"):
        return {"task": task, "alert": {"level": "red", "red_days": 12}, "reply_by": "2026-11-28"}
    if kind == "bulletin":
        units = [{"unit": u, "lead_total": 8, "lead_done": 8 - i // 2, "on_time_rate": 1 - i / 20,
                  "overdue": i // 3, "score": 100 - 4 * i, "rank": i + 1, "components": _components(100 - 4 * i, i),
                  "signoff_signed": 3 - i % 3 // 2, "signoff_addressed": 3, "signoff_rate": (3 - i % 3 // 2) / 3}
                 for i, u in enumerate(_UNITS)]
        return {"period": {"label": "2026年11月", "start": "2026-11-01", "end": "2026-11-20"},
                "totals": {"total": 80, "done": 52, "green": 15, "yellow": 7, "red": 6, "at_risk": 4},
                "units": units, "red_list": _UNITS[:5], "black_list": _UNITS[-5:][::-1],
                "composition": [{"key": "on_time", "label": "按期完成", "kind": "rate", "weight": 0.6, "source": ""},
                                {"key": "signoff", "label": "签收", "kind": "rate", "weight": 0.2, "source": ""},
                                {"key": "peer", "label": "互评", "kind": "rate", "weight": 0.2,
                                 "source": "2026年10月条块互评"},
                                {"key": "extensions", "label": "延期", "kind": "count", "weight": 1, "source": ""}],
                "overdue_tasks": [{"code": f"3.{i}", "title": "完成执法车辆和装备移交", "lead_units": [_UNITS[-i]],
                                   "deadline": "2026-10-31", "days_overdue": 20 + i} for i in range(1, 6)]}
    if kind == "asset-list":
        return _handover("asset", [
            {"asset_code": f"ZC2026{i:04d}", "name": "执法车辆" if i % 2 else "办公电脑", "category": "通用设备",
             "quantity": "1" if i % 2 else "5", "unit_of_measure": "辆" if i % 2 else "台",
             "original_value": "185000.00" if i % 2 else "24500.50", "net_value": "92500.00" if i % 2 else "8120.10",
             "note": ""} for i in range(1, items + 1)])
    if kind == "archive-list":
        return _handover("archive", [
            {"archive_code": f"WS·2019-Y-{i:03d}", "title": "城市管理行政处罚案卷", "years": "2019-2023",
             "retention": ["永久", "30年", "10年"][i % 3], "count": str(3 + i % 4), "note": ""}
            for i in range(1, items + 1)])
    if kind == "establishment":
        return _handover("establishment", [
            {"establishment_type": t, "count": n, "from_unit": "县住房和城乡建设局", "to_unit": "县城市管理局",
             "note": ""} for t, n in (("行政", 5), ("参公", 3), ("事业", 12))])
    return _handover("staff", _staff(items))


def sample_context(kind: str, *, preview: bool = False, items: int = 12, code: str = "县编办发") -> NoticeContext:
    number = None if preview else format_doc_number(code, 2026, 12)
    return NoticeContext(doc_number=number, issue_date=ISSUE_DATE, data=sample_data(kind, items=items))


_LONG_UNITS = ["县城市管理体制改革工作领导小组办公室", "中共清河县委机构编制委员会办公室", "县住房和城乡建设局🚀",
               "县市场监督管理局", "县自然资源和规划局", "县综合行政执法局"]
FULL_BODY = ("各单位要按照改革任务分工抓好落实切实加强组织领导压实工作责任细化工作措施确保各项改革任务按期完成"
             "对推进中遇到的困难和问题要及时研究解决重大事项及时向县委县政府请示报告")


CLOSING = ("各单位要按照改革任务分工抓好落实，切实加强组织领导。压实工作责任，细化工作措施，确保各项改革任务于2026年12月31日前"
           "完成。对推进中遇到的困难和问题要及时研究解决，重大事项及时向县委县政府请示报告。")


def closing_cases() -> dict[str, tuple[str, NoticeContext]]:
    """Notices whose closing paragraph (short, or longer than KEEP_LINES) ends on each of the last lines of
    page 2, so the room left for 附件说明, 署名 and date runs from enough to none."""
    from models.documents.templates import load_template

    out = {}
    for label, closing, first in (("short", CLOSING[:60], 300), ("long", CLOSING * 2, 244)):
        for total in range(first, 540, 28):
            ctx = sample_context("issue-plan", code=load_template("issue-plan").code)
            ctx.extra_body = (FULL_BODY * 8)[: max(28, total - len(closing))] + "\n" + closing
            out[f"closing-{label}-{total}"] = ("issue-plan", ctx)
    return out


RUNNING = ("按照县编办发〔2026〕12号文件要求，于2026年12月13日前完成，涉及资金2,139,000.00元，完成率85.5%，"
           "并于2027年1月5日前报送县委编办")

ASSET_RUNNING = "（2026年12月13日购置，购置价2,139,000.00元，已计提折旧85.5%，于2027年1月5日前完成过户）"


def long_cell_cases() -> dict[str, tuple[str, NoticeContext]]:
    """Every kind with a table, its cells filled with running text full of dates, 文号, amounts and rates."""
    from models.documents.templates import load_template

    def ctx(kind: str) -> NoticeContext:
        return sample_context(kind, code=load_template(kind).code)

    out: dict[str, tuple[str, NoticeContext]] = {}
    plan = ctx("issue-plan")
    for t in plan.data["tasks"]:
        t.update(title=t["title"] + RUNNING, deadline_text="2026年12月31日前", lead_units=_UNITS[:2],
                 supporting_units=_UNITS[2:6])
    bulletin = ctx("bulletin")
    for u in bulletin.data["units"]:
        u["unit"] = u["unit"] + "综合行政执法大队（2026年12月13日挂牌）"
    for t in bulletin.data["overdue_tasks"]:
        t.update(title=t["title"] + RUNNING, lead_units=_UNITS[:3])
    task = ctx("supervision")
    task.data["task"]["title"] += RUNNING
    out |= {"cells-issue-plan": ("issue-plan", plan), "cells-bulletin": ("bulletin", bulletin),
            "cells-supervision": ("supervision", task)}
    fields = {"staff-roster": "note", "staff-transfer": "note", "asset-list": "name", "archive-list": "title",
              "establishment": "note"}  # the free-text column of each list (codes, dates and amounts beside it)
    for kind, key in fields.items():
        c = ctx(kind)
        text = ASSET_RUNNING if kind == "asset-list" else RUNNING  # an asset's name cites no 文号
        for item in c.data["handover"]["items"]:
            item[key] = f"{item.get(key) or ''}{text}"
        out[f"cells-{kind}"] = (kind, c)
    return out


ASSET_NAMES = ["城市管理综合行政执法执勤车辆", "数字化城市管理信息系统服务器", "便携式执法记录仪及配套存储设备",
               "执法车辆", "户外大型广告牌拆除专用高空作业车", "城市管理行政执法档案密集柜", "办公电脑"]
ASSET_CATEGORIES = ["交通运输设备", "电子设备", "专用设备", "通用设备"]


def long_name_cases() -> dict[str, tuple[str, NoticeContext]]:
    """Lists whose name columns hold long names made of several words (资产名称, 类别; 职务（岗位）, 单位), which
    may wrap only between words."""
    from models.documents.templates import load_template

    assets = sample_context("asset-list", items=14, code=load_template("asset-list").code)
    for i, item in enumerate(assets.data["handover"]["items"]):
        item.update(name=ASSET_NAMES[i % len(ASSET_NAMES)], category=ASSET_CATEGORIES[i % len(ASSET_CATEGORIES)])
    roster = sample_context("staff-roster", items=14, code=load_template("staff-roster").code)
    posts = ["综合行政执法大队副大队长", "市容环境卫生管理所所长", "科员", "城市管理监督指挥中心主任"]
    for i, item in enumerate(roster.data["handover"]["items"]):
        item.update(post=posts[i % len(posts)], from_unit=_LONG_UNITS[i % 2], to_unit="县综合行政执法局")
    return {"names-asset-list": ("asset-list", assets), "names-staff-roster": ("staff-roster", roster)}


def tail_cases() -> dict[str, tuple[str, NoticeContext]]:
    """名册/清单 whose length puts the page break right at the end of the table (without the rule that keeps the
    last rows with the 签章 blocks, those would stand alone on page 2: 14 to 25 rows of the roster, or leave only
    the 合计 row with them: 26)."""
    from models.documents.templates import load_template

    out = {f"tail-roster-{n}": ("staff-roster", sample_context("staff-roster", items=n,
                                                               code=load_template("staff-roster").code))
           for n in (14, 20, 25, 26)}
    out["tail-assets-16"] = ("asset-list", sample_context("asset-list", items=16, code=load_template("asset-list").code))
    return out


def stress_cases() -> dict[str, tuple[str, NoticeContext]]:
    """The documents the render suite puts through LibreOffice beside one of every kind: a 300-row roster,
    a 200-character title, a bulletin with 30 units (long names, an emoji, units without a score) and a
    notice whose body fills whole pages."""
    from models.documents.templates import load_template

    roster = sample_context("staff-roster", items=300, code=load_template("staff-roster").code)
    title = sample_context("issue-plan", code=load_template("issue-plan").code)
    title.data["plan"]["title"] = ("清河县关于深化城市管理体制改革推进城市管理领域综合行政执法和住房城乡建设领域"
                                   "机构职能优化协同高效的实施方案" * 4)[:194]
    bulletin = sample_context("bulletin", code=load_template("bulletin").code)
    names = [f"{_LONG_UNITS[i % len(_LONG_UNITS)]}{'' if i < len(_LONG_UNITS) else i}" for i in range(30)]
    bulletin.data["units"] = [
        {"unit": name, "lead_total": 3, "lead_done": i % 3, "on_time_rate": None if i >= 27 else 1 - i / 40,
         "overdue": i % 4, "score": None if i >= 27 else round(100 - 2.5 * i, 1), "rank": None if i >= 27 else i + 1,
         "task_count": 3, "signoff_signed": None if i >= 25 else i % 4, "signoff_addressed": None if i >= 25 else 3 + i % 2}
        for i, name in enumerate(names)]
    body = sample_context("issue-plan", code=load_template("issue-plan").code)
    body.extra_body = FULL_BODY * 12  # one paragraph: no widow/orphan rule shortens a page
    plain = sample_context("bulletin", code=load_template("bulletin").code)  # a shorter opening: room left on page 1
    plain.data["units"], plain.data["composition"] = [dict(u) for u in bulletin.data["units"]], []
    short = sample_context("bulletin", code=load_template("bulletin").code)
    short.data["composition"] = []
    return {"roster-300": ("staff-roster", roster), "title-200": ("issue-plan", title),
            "bulletin-30": ("bulletin", bulletin), "bulletin-30-plain": ("bulletin", plain),
            "bulletin-plain": ("bulletin", short),
            "full-body": ("issue-plan", body)}
