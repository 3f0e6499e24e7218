"""Text rules shared by every notice: sanitising user text, Chinese dates, 文号 and widths.

All user-supplied text passes through :func:`sanitize` exactly once, in the run builder
(``ooxml.run``), so no field can put XML-invalid characters into the package.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping
from datetime import date, datetime

DOC_NUMBER_RE = re.compile(r"^[\u4e00-\u9fff]+〔(19|20)\d{2}〕[1-9]\d*号$")
CN_DATE_RE = re.compile(r"^\d{4}年([1-9]|1[0-2])月([1-9]|[12]\d|3[01])日$")

# XML 1.0 forbids C0 controls other than TAB/LF/CR, lone surrogates and U+FFFE/U+FFFF.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_CJK_AGENCY_CODE = re.compile(r"^[\u4e00-\u9fff]+$")
# Pictographs (emoji) have no glyph in any 公文 font: printed they are boxes, so documents leave them out.
PICTOGRAPH_RE = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0F\u200D\U000E0000-\U000E007F]")
# What must never reach a printed document: 演示占位 ××, unfilled $name and {{ }} template fields.
PLACEHOLDER_RE = re.compile(r"××|\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|\{\{|\}\}")


def sanitize(value: object) -> str:
    """Return ``value`` as text that is safe inside ``w:t``.

    CR/LF pairs and lone CRs become LF (a line break); other forbidden characters are dropped.
    """
    text = "" if value is None else str(value)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return PICTOGRAPH_RE.sub("", _XML_INVALID.sub("", text))


def placeholders(text: str) -> list[str]:
    """Placeholder fragments left in ``text`` (each once, in order of appearance)."""
    return list(dict.fromkeys(m.group() for m in PLACEHOLDER_RE.finditer(text)))


def cn_date(value: date | datetime | str | None) -> str:
    """Format a date the way GB/T 9704 7.3.5.4 wants it: ``2026年11月21日`` (no leading zeros).

    ISO strings are accepted because the service layer passes JSON-ish dicts; text that is not a
    date is returned sanitised and unchanged so a bad field never aborts a notice.
    """
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return sanitize(value)
    return f"{value.year}年{value.month}月{value.day}日"


def format_doc_number(code: str, year: int, seq: int) -> str:
    """Build a 发文字号 (机关代字〔年份〕顺序号号); reject anything the standard forbids."""
    if not isinstance(code, str) or not _CJK_AGENCY_CODE.match(code):
        raise ValueError(f"机关代字必须是汉字: {code!r}")
    if code.endswith("第"):
        raise ValueError("发文顺序号不加“第”字")
    if isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 2099:
        raise ValueError(f"年份应标全称 (1900-2099): {year!r}")
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
        raise ValueError(f"发文顺序号必须是正整数: {seq!r}")
    number = f"{code}〔{year}〕{seq}号"
    assert DOC_NUMBER_RE.match(number)
    return number


def preview_number(code: str, year: int) -> str:
    """Placeholder shown while a notice has no number yet; deliberately fails DOC_NUMBER_RE."""
    return f"{code}〔{year}〕×号（预览）"


def char_width(text: str) -> float:
    """Width in 字 (one 汉字 = 1, half-width ASCII = 0.5) used for centring and line fitting."""
    return sum(0.5 if ord(ch) < 0x2E80 and ch not in "×—…“”‘’" else 1.0 for ch in text)


def join_units(units: Iterable[object] | object | None) -> str:
    """Join unit names with 、 the way Chinese documents list them."""
    if units is None:
        return ""
    if isinstance(units, str):
        return units
    if isinstance(units, Iterable):
        return "、".join(str(u) for u in units if u not in (None, ""))
    return str(units)


def fill(pattern: str, variables: Mapping[str, str]) -> str:
    """Substitute ``$name`` placeholders in one pass; values are inserted literally.

    ``safe_substitute`` never re-scans inserted values, so ``$x``/``{{ }}`` typed by a user stay
    text, and an unknown placeholder in an office-edited template stays visible instead of failing.
    """
    return string.Template(pattern).safe_substitute(variables)
