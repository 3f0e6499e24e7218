"""Word plans: paragraphs in order (with automatic numbering rendered) and tables as cell grids.

Automatic numbering ("一、", "（一）" produced by Word, not typed) is not in a paragraph's text, so
it is rendered from numbering.xml (format + level text + counters); without it the outline
would lose every heading.  Table cells are read from the XML grid so that horizontally merged
cells (gridSpan) and vertically merged cells (vMerge) give their value to every position they
cover.  The XML was parsed by python-docx (entities not resolved) after filesafety refused DTDs.

Word heading styles (标题 1/Heading 1, or any style with an outline level) often carry no
number at all; the outline only understands numbered text, so such headings get a synthetic
marker of the rank their level holds among the document's heading levels (一、 / （一） / 1. …).
A heading level used once before all others is the document title and stays unnumbered.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any, cast

from docx import Document
from docx.oxml.ns import qn

from models.importing.outline import detect_heading
from models.importing.textnorm import int_to_cn

_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


_HEADING_NAME = re.compile(r"^(?:heading|标题)\s*(\d)$", re.I)


@dataclass
class DocxContent:
    lines: list[str] = field(default_factory=list)
    tables: list[list[list[str]]] = field(default_factory=list)
    table_of_line: list[int | None] = field(default_factory=list)  # table index of each line, or None


def read_docx(data: bytes) -> DocxContent:
    document = Document(io.BytesIO(data))
    numbering = _Numbering(document)
    styles = _Styles(document)
    content = DocxContent()
    headings: list[tuple[int, int]] = []  # (line index, outline level) of unnumbered heading paragraphs
    for element in document.element.body.iterchildren():
        if element.tag == qn("w:p"):
            text = _paragraph_text(element)
            prefix = numbering.prefix(element, document)
            if text.strip() or prefix:
                level = styles.outline_level(element)
                if level is not None and detect_heading((prefix + text).strip(), {}) is None:
                    headings.append((len(content.lines), level))
                content.lines.append(prefix + text)
                content.table_of_line.append(None)
        elif element.tag == qn("w:tbl"):
            grid = _table_grid(element)
            content.tables.append(grid)
            rows = ["　".join(dict.fromkeys(c.replace("\n", "、") for c in row if c)) for row in grid if any(row)]
            content.lines.extend(rows)
            content.table_of_line.extend([len(content.tables) - 1] * len(rows))
    _number_headings(content.lines, headings)
    return content


def _number_headings(lines: list[str], headings: list[tuple[int, int]]) -> None:
    """Give unnumbered heading paragraphs a marker of their level's rank (see module docstring)."""
    if headings and sum(1 for _, level in headings if level == headings[0][1]) == 1 \
            and headings[0][1] <= min(level for _, level in headings):
        headings = headings[1:]  # the title
    levels = sorted({level for _, level in headings})
    counters = [0] * (len(levels) + 1)
    for index, level in headings:
        rank = levels.index(level)
        counters[rank] += 1
        for deeper in range(rank + 1, len(counters)):
            counters[deeper] = 0
        lines[index] = _marker(rank, counters[rank]) + lines[index].strip()


def _marker(rank: int, number: int) -> str:
    if rank == 0:
        return f"{int_to_cn(number)}、"
    if rank == 1:
        return f"（{int_to_cn(number)}）"
    if rank == 2:
        return f"{number}．"
    if rank == 3:
        return f"（{number}）"
    return _CIRCLED[number - 1] if 0 < number <= len(_CIRCLED) else f"{number}．"


class _Styles:
    """Outline level of a paragraph: its own w:outlineLvl, else its style's (following basedOn)."""

    def __init__(self, document: object) -> None:
        self.by_id: dict[str, Any] = {}
        for style in document.styles.element.iterchildren(qn("w:style")):  # type: ignore[attr-defined]
            self.by_id[style.get(qn("w:styleId"))] = style

    def outline_level(self, paragraph: object) -> int | None:
        properties = paragraph.find(qn("w:pPr"))  # type: ignore[attr-defined]
        if properties is None:
            return None
        own = properties.find(qn("w:outlineLvl"))
        if own is not None:
            return _level(own.get(qn("w:val")))
        style = properties.find(qn("w:pStyle"))
        return self._style_level(style.get(qn("w:val")) if style is not None else None)

    def _style_level(self, style_id: str | None) -> int | None:
        for _ in range(10):  # basedOn chains are short; the bound guards against cycles
            style = self.by_id.get(style_id or "")
            if style is None:
                return None
            name = style.find(qn("w:name"))
            match = _HEADING_NAME.match(name.get(qn("w:val"), "")) if name is not None else None
            if match:
                return int(match.group(1)) - 1
            properties = style.find(qn("w:pPr"))
            level = properties.find(qn("w:outlineLvl")) if properties is not None else None
            if level is not None:
                return _level(level.get(qn("w:val")))
            based = style.find(qn("w:basedOn"))
            style_id = based.get(qn("w:val")) if based is not None else None
        return None


def _level(value: str | None) -> int | None:
    """w:outlineLvl 0-8 are heading levels; 9 is body text."""
    return int(value) if value and value.isdigit() and int(value) < 9 else None


def _paragraph_text(paragraph: object) -> str:
    parts: list[str] = []
    for node in paragraph.iter(qn("w:t"), qn("w:tab"), qn("w:br")):  # type: ignore[attr-defined]
        if node.tag == qn("w:t"):
            parts.append(node.text or "")
        elif node.tag == qn("w:tab"):
            parts.append(" ")
        else:  # a manual line break separates names in a table cell ("县委编办↵县人社局")
            parts.append("\n")
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
        self.styles: dict[str | None, Any] | None = None
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

    def _style_numbering(self, document: object, style_id: str | None) -> object | None:
        """The numbering of the style or of the style it is based on (list styles inherit)."""
        if self.styles is None:
            self.styles = {s.get(qn("w:styleId")): s
                           for s in document.styles.element.iterchildren(qn("w:style"))}  # type: ignore[attr-defined]
        styles = self.styles
        for _ in range(10):
            style = styles.get(style_id)
            if style is None:
                return None
            properties = style.find(qn("w:pPr"))
            num_pr = properties.find(qn("w:numPr")) if properties is not None else None
            if num_pr is not None:
                return cast(object, num_pr)
            based = style.find(qn("w:basedOn"))
            style_id = based.get(qn("w:val")) if based is not None else None
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
