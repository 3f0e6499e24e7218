"""Word plans: paragraphs in order (with automatic numbering rendered) and tables as cell grids.

Automatic numbering ("一、", "（一）" produced by Word, not typed) is not in a paragraph's text, so
it is rendered from numbering.xml (format + level text + counters); without it the outline
would lose every heading.  Table cells are read from the XML grid so that horizontally merged
cells (gridSpan) and vertically merged cells (vMerge) give their value to every position they
cover.  The XML was parsed by python-docx (entities not resolved) after filesafety refused DTDs.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from docx import Document
from docx.oxml.ns import qn

from models.importing.textnorm import int_to_cn

_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


@dataclass
class DocxContent:
    lines: list[str] = field(default_factory=list)
    tables: list[list[list[str]]] = field(default_factory=list)


def read_docx(data: bytes) -> DocxContent:
    document = Document(io.BytesIO(data))
    numbering = _Numbering(document)
    content = DocxContent()
    for element in document.element.body.iterchildren():
        if element.tag == qn("w:p"):
            text = _paragraph_text(element)
            prefix = numbering.prefix(element, document)
            if text.strip() or prefix:
                content.lines.append(prefix + text)
        elif element.tag == qn("w:tbl"):
            grid = _table_grid(element)
            content.tables.append(grid)
            content.lines.extend("　".join(dict.fromkeys(c for c in row if c)) for row in grid if any(row))
    return content


def _paragraph_text(paragraph: object) -> str:
    parts: list[str] = []
    for node in paragraph.iter(qn("w:t"), qn("w:tab"), qn("w:br")):  # type: ignore[attr-defined]
        if node.tag == qn("w:t"):
            parts.append(node.text or "")
        elif node.tag == qn("w:tab"):
            parts.append(" ")
    return "".join(parts)


def _table_grid(table: object) -> list[list[str]]:
    grid: list[list[str]] = []
    for tr in table.iterchildren(qn("w:tr")):  # type: ignore[attr-defined]
        row: list[str] = []
        for tc in tr.iterchildren(qn("w:tc")):
            properties = tc.find(qn("w:tcPr"))
            span, continued = 1, False
            if properties is not None:
                grid_span = properties.find(qn("w:gridSpan"))
                if grid_span is not None:
                    span = int(grid_span.get(qn("w:val"), "1"))
                v_merge = properties.find(qn("w:vMerge"))
                continued = v_merge is not None and v_merge.get(qn("w:val"), "continue") != "restart"
            text = "\n".join(_paragraph_text(p) for p in tc.iterchildren(qn("w:p"))).strip()
            for _ in range(span):
                column = len(row)
                if continued and grid and column < len(grid[-1]):
                    row.append(grid[-1][column])
                else:
                    row.append(text)
        grid.append(row)
    return grid


class _Numbering:
    """Renders list numbers ('%1、' with chineseCounting -> '一、') with per-level counters."""

    def __init__(self, document: object) -> None:
        self.levels: dict[str, dict[int, tuple[str, str, int]]] = {}
        self.counters: dict[str, list[int]] = {}
        try:
            root = document.part.numbering_part.element  # type: ignore[attr-defined]
        except (KeyError, NotImplementedError, AttributeError):
            return
        abstract: dict[str, dict[int, tuple[str, str, int]]] = {}
        for node in root.iterchildren(qn("w:abstractNum")):
            levels = {}
            for lvl in node.iterchildren(qn("w:lvl")):
                fmt = lvl.find(qn("w:numFmt"))
                text = lvl.find(qn("w:lvlText"))
                start = lvl.find(qn("w:start"))
                levels[int(lvl.get(qn("w:ilvl"), "0"))] = (
                    fmt.get(qn("w:val"), "decimal") if fmt is not None else "decimal",
                    text.get(qn("w:val"), "") if text is not None else "",
                    int(start.get(qn("w:val"), "1")) if start is not None else 1)
            abstract[node.get(qn("w:abstractNumId"))] = levels
        for num in root.iterchildren(qn("w:num")):
            ref = num.find(qn("w:abstractNumId"))
            if ref is not None:
                self.levels[num.get(qn("w:numId"))] = abstract.get(ref.get(qn("w:val")), {})

    def prefix(self, paragraph: object, document: object) -> str:
        num_id, level = self._reference(paragraph, document)
        if num_id is None or num_id not in self.levels or level not in self.levels[num_id]:
            return ""
        levels = self.levels[num_id]
        counters = self.counters.setdefault(num_id, [0] * 9)
        counters[level] += 1
        for deeper in range(level + 1, 9):
            counters[deeper] = 0
        fmt, text, _start = levels[level]
        if fmt in ("bullet", "none"):
            return ""
        for lvl in range(level + 1):
            lvl_fmt, _text, lvl_start = levels.get(lvl, ("decimal", "", 1))
            value = counters[lvl] + lvl_start - 1 if counters[lvl] else lvl_start
            text = text.replace(f"%{lvl + 1}", _format(value, lvl_fmt))
        return text

    def _reference(self, paragraph: object, document: object) -> tuple[str | None, int]:
        properties = paragraph.find(qn("w:pPr"))  # type: ignore[attr-defined]
        num_pr = properties.find(qn("w:numPr")) if properties is not None else None
        if num_pr is None and properties is not None:
            style = properties.find(qn("w:pStyle"))
            num_pr = self._style_numbering(document, style.get(qn("w:val"))) if style is not None else None
        if num_pr is None:
            return None, 0
        num_id = num_pr.find(qn("w:numId"))
        ilvl = num_pr.find(qn("w:ilvl"))
        return (num_id.get(qn("w:val")) if num_id is not None else None,
                int(ilvl.get(qn("w:val"), "0")) if ilvl is not None else 0)

    @staticmethod
    def _style_numbering(document: object, style_id: str | None) -> object | None:
        styles = document.styles.element  # type: ignore[attr-defined]
        for style in styles.iterchildren(qn("w:style")):
            if style.get(qn("w:styleId")) == style_id:
                properties = style.find(qn("w:pPr"))
                return properties.find(qn("w:numPr")) if properties is not None else None
        return None


def _format(value: int, fmt: str) -> str:
    if fmt.startswith(("chinese", "ideographDigital", "japaneseCounting", "taiwaneseCounting")):
        return int_to_cn(value)
    if fmt == "decimalEnclosedCircle" or fmt == "decimalEnclosedCircleChinese":
        return _CIRCLED[value - 1] if 0 < value <= len(_CIRCLED) else str(value)
    if fmt == "decimalEnclosedParen":
        return f"({value})"
    if fmt in ("lowerLetter", "upperLetter"):
        letter = chr(ord("a") + (value - 1) % 26)
        return letter.upper() if fmt == "upperLetter" else letter
    return str(value)
