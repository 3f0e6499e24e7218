"""Plan metadata from the preamble: title, 文号, issuer, date.

Sources in order of trust: a standalone title line ending in 方案/意见/…; the 《…》 of a
"关于印发《…》的通知"; the 文号 on its own line (a reference in brackets after a cited document
is skipped); a standalone date line (signature).  Damaged extractions ("玉政办发〔201728",
"2017622") are recovered only where a single reading exists, and always reported in warnings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from models.importing.textnorm import fold

_TITLE_END = re.compile(
    r"(?:实施方案|工作方案|方案|实施意见|意见|工作计划|计划|任务分工表|任务清单|分工方案|任务分解表|办法|安排)$")
_NOTICE = re.compile(r"关于印发《?(?P<title>[^《》]{4,80}?)》?的通知")
_ISSUER_NOTICE = re.compile(r"^(?P<issuer>[^\s，。,:：《》]{4,40}?)关于")
_DOC_NUMBER = re.compile(
    r"(?P<code>[\u4e00-\u9fff]{1,12})\s*[〔\[【(（]\s*(?P<year>(?:19|20)\d{2})\s*[〕\]】)）]\s*第?(?P<no>\d{1,4})\s*号")
_DOC_NUMBER_DAMAGED = re.compile(
    r"(?P<code>[\u4e00-\u9fff]{1,12})\s*〔\s*(?P<year>20\d{2})(?P<no>\d{1,4})(?![\d〕])\s*号?")
_DATE = re.compile(r"^(?P<y>20\d{2})\s*年\s*(?P<m>1[0-2]|0?[1-9])\s*月\s*(?P<d>3[01]|[12]\d|0?[1-9])\s*日$")
_DATE_ANY = re.compile(r"(?P<y>20\d{2})\s*年\s*(?P<m>1[0-2]|0?[1-9])\s*月\s*(?P<d>3[01]|[12]\d|0?[1-9])\s*日")
_DAMAGED_DATE = re.compile(r"^(?P<digits>20\d{4,6})$")
_FIELD = re.compile(r"\[(?P<name>发文机构|成文日期|发文字号)\]\s*(?P<value>.+)$")
_ISSUER_END = re.compile(r"(?:人民政府|政府办公室|办公室|委员会|党委|区委|县委|市委|编委|政府|办公厅)$")


@dataclass
class PlanMeta:
    title: str | None = None
    doc_number: str | None = None
    issuer: str | None = None
    date: date | None = None
    year_hint: int | None = None  # a year recovered from damaged metadata, for 年底前 etc.
    warnings: list[str] = field(default_factory=list)


def extract_metadata(preamble: list[str], tail: list[str]) -> PlanMeta:
    meta = PlanMeta()
    lines = [fold(line) for line in preamble]
    fields = {m.group("name"): m.group("value").strip() for m in map(_FIELD.search, lines) if m}
    meta.title = _title(preamble, lines)
    meta.doc_number = _doc_number(preamble, lines, meta, fields.get("发文字号"))
    meta.issuer = _issuer(preamble, lines, fields.get("发文机构"))
    meta.date = _date(preamble + tail, meta, fields.get("成文日期"))
    if meta.year_hint is None:
        meta.year_hint = meta.date.year if meta.date else _year_of(meta.doc_number)
    return meta


def _title(original: list[str], lines: list[str]) -> str | None:
    """The last standalone title line before the body; a title wrapped over 2-3 lines is joined."""
    best: tuple[int, int] | None = None  # (index of last line, span)
    for index in range(len(lines)):
        for span in (1, 2, 3):
            chunk = lines[index:index + span]
            if len(chunk) < span or any(re.search(r"[。,，:：;；]", part) for part in chunk):
                continue
            if span > 1 and any(re.search(r"\d{4}", part) or _ISSUER_END.search(part) or _TITLE_END.search(part)
                                for part in chunk[:-1]):
                continue
            joined = "".join(chunk)
            if (6 <= len(joined) <= 60 and _TITLE_END.search(joined) and "通知" not in joined
                    and all(len(part) <= 40 for part in chunk)):
                end = index + span - 1
                if best is None or end > best[0] or (end == best[0] and span > best[1]):
                    best = (end, span)
    if best:
        return "".join(original[best[0] - best[1] + 1:best[0] + 1]).strip().strip("《》")
    for line, raw in zip(lines, original, strict=True):
        notice = _NOTICE.search(line)
        if notice:
            return raw[notice.start("title"):notice.end("title")]
    return original[0] if original else None


def _doc_number(original: list[str], lines: list[str], meta: PlanMeta, field_value: str | None) -> str | None:
    candidates = ([field_value] if field_value else []) + lines
    for line in candidates:
        for match in _DOC_NUMBER.finditer(line):
            if match.start() > 0 and line[match.start() - 1] in "(（《、":
                continue
            return f"{match.group('code')}〔{match.group('year')}〕{match.group('no')}号"
    for line in candidates:
        damaged = _DOC_NUMBER_DAMAGED.search(line)
        if damaged and not (damaged.start() > 0 and line[damaged.start() - 1] in "(（《、"):
            recovered = f"{damaged.group('code')}〔{damaged.group('year')}〕{damaged.group('no')}号"
            meta.warnings.append(f"文号疑似受损（原文“{damaged.group(0)}”），已识别为“{recovered}”，请核对")
            return recovered
    return None


def _issuer(original: list[str], lines: list[str], field_value: str | None) -> str | None:
    if field_value and not field_value.startswith("-"):
        return field_value
    for line, raw in zip(lines, original, strict=True):
        match = _ISSUER_NOTICE.search(line)
        if match and ("印发" in line or "通知" in line) and _ISSUER_END.search(match.group("issuer")):
            return raw[:match.end("issuer")]
    for index, line in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if _ISSUER_END.search(line) and len(line) <= 30 and (_DATE.match(following) or _DAMAGED_DATE.match(following)):
            return original[index]
    issuers = []
    for index, line in enumerate(lines):
        if line.startswith("关于"):
            issuers = [original[i] for i in range(max(0, index - 3), index)
                       if len(lines[i]) <= 30 and _ISSUER_END.search(lines[i])]
            break
    return "、".join(issuers) or None


def _date(lines: list[str], meta: PlanMeta, field_value: str | None) -> date | None:
    candidates = ([field_value] if field_value else []) + [fold(line) for line in lines]
    for line in candidates:
        match = _DATE.match(line.strip())
        if match:
            try:
                return date(int(match.group("y")), int(match.group("m")), int(match.group("d")))
            except ValueError:
                continue
    for line in candidates:
        damaged = _DAMAGED_DATE.match(line.strip())
        if damaged:
            digits = damaged.group("digits")
            readings = _date_readings(digits)
            meta.year_hint = int(digits[:4])
            hint = f"，可能为 {readings[0].isoformat()}" if len(readings) == 1 else ""
            meta.warnings.append(f"成文日期疑似受损（原文“{digits}”），未自动识别{hint}，请核对")
            return None
    return None


def _date_readings(digits: str) -> list[date]:
    """Every valid date that '2017622' could stand for (year, then month and day digits)."""
    year, rest = int(digits[:4]), digits[4:]
    readings = []
    for cut in range(1, len(rest)):
        try:
            readings.append(date(year, int(rest[:cut]), int(rest[cut:])))
        except ValueError:
            continue
    return readings


def _year_of(doc_number: str | None) -> int | None:
    match = re.search(r"〔(\d{4})〕", doc_number or "")
    return int(match.group(1)) if match else None
