"""The one GB/T 9704 layout builder shared by every notice kind.

Kinds describe *what* a document says (:class:`Content`); :func:`compose` decides *where* it goes:
版头 (red mark, 发文字号, red rule), 主体 (title, 主送, body, 附件说明, 署名/日期, 附件) and 版记.
Forms (督办通知单) and lists (名册/清单/确认书) reuse the same page, fonts and primitives.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from models.documents import ooxml as x
from models.documents.ooxml import CHAR, SIZE_4, TEXT_WIDTH, Font, Para
from models.documents.package import assemble
from models.documents.text import char_width, sanitize

_H1 = re.compile(r"^[一二三四五六七八九十]+、")
_H2 = re.compile(r"^（[一二三四五六七八九十]+）")
_NO_LINE_START = set("》）」”’，。、：；！？")
_NO_LINE_END = set("《（「“‘")
TITLE_CHARS = 20  # 2号 characters per 156 mm line
MARK_MAX_PT = 36  # practice (小初); shrunk to fit one line
MARK_MIN_PT = 22
MARK_SPACER = 1950  # twips above the mark so its glyph top sits ≈35 mm below the 版心 top
IMPRINT_INDENT = 280  # 一字 at 4号
EMU_PER_MM = 36000

Layout = Literal["notice", "form", "list"]


@dataclass(frozen=True)
class Column:
    label: str
    weight: float
    align: str = "center"
    heading: bool = False  # body cells set in 黑体 (form labels)


@dataclass
class Table:
    columns: list[Column]
    rows: Sequence[Sequence[str | list[str]]]  # a list in a cell = one paragraph per item
    totals: Sequence[str] | None = None
    header: bool = True
    size: int = SIZE_4
    borders: bool = True


@dataclass
class Image:
    png: bytes
    width_mm: float
    height_mm: float
    name: str


@dataclass
class Text:
    """Body text; each line becomes a paragraph, 一、/（一） lines get heading fonts."""

    text: str
    align: str = "both"
    indent: bool = True


Block = Text | Table | Image


@dataclass
class Attachment:
    title: str
    blocks: list[Block]


@dataclass
class Party:
    role_label: str
    unit: str
    confirmed_by: str | None = None
    confirmed_on: str | None = None


@dataclass
class Content:
    """Everything a kind decides; the layout decides the rest."""

    layout: Layout
    title: str
    doc_number: str
    date: str
    mark: str = ""
    signature: str = ""
    recipients: list[str] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    parties: list[Party] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    issuer: str = ""


def split_title(title: str, max_chars: int = TITLE_CHARS) -> list[str]:
    """Break a long title into lines of ≤ max_chars 字, shorter lines on top (梯形).

    Breaks are never placed right after 《（“ or before 》）”and punctuation, so names stay whole.
    """
    title = sanitize(title).replace("\n", "")
    width = char_width(title)
    if width <= max_chars:
        return [title]
    lines_needed = math.ceil(width / max_chars)
    capacity = min(max_chars, math.ceil(width / lines_needed) + 1)
    lines: list[str] = []
    rest = title
    while char_width(rest) > max_chars:
        cut, used = len(rest), 0.0
        while cut > 0 and used + char_width(rest[cut - 1]) <= capacity:
            cut -= 1
            used += char_width(rest[cut])
        for shift in range(min(6, len(rest) - cut - 1) + 1):
            at = cut + shift
            if at < len(rest) and rest[at] not in _NO_LINE_START and rest[at - 1] not in _NO_LINE_END:
                cut = at
                break
        lines.insert(0, rest[cut:])
        rest = rest[:cut]
    lines.insert(0, rest)
    return [line for line in lines if line]


class Composer:
    """Accumulates body XML and image parts, then assembles the package."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.images: list[bytes] = []

    # -- primitives -------------------------------------------------------------------------
    def para(self, runs: str, p: Para = Para()) -> None:
        self.parts.append(x.paragraph(runs, p))

    def blank(self, lines: int = 1) -> None:
        for _ in range(lines):
            self.parts.append(x.paragraph("", Para()))

    def text(self, block: Text) -> None:
        for line in sanitize(block.text).split("\n"):
            self.para(_heading_runs(line), Para(align=block.align, first_line=2 * CHAR if block.indent else 0))

    def image(self, image: Image) -> None:
        self.images.append(image.png)
        index = len(self.images)
        drawing = x.inline_image(
            f"rIdImg{index}", index, round(image.width_mm * EMU_PER_MM), round(image.height_mm * EMU_PER_MM),
            image.name,
        )
        self.para(drawing, Para(align="center", line=None))

    def table(self, table: Table) -> None:
        total = sum(c.weight for c in table.columns)
        widths = [round(TEXT_WIDTH * c.weight / total) for c in table.columns]
        widths[-1] += TEXT_WIDTH - sum(widths)
        rule = x.border
        edges = ("top", "left", "bottom", "right", "insideH", "insideV")
        borders = "".join(rule(e, 4) for e in edges) if table.borders else "".join(
            f'<w:{e} w:val="nil"/>' for e in edges
        )
        out = [
            "<w:tbl><w:tblPr>"
            f'<w:tblW w:w="{TEXT_WIDTH}" w:type="dxa"/><w:jc w:val="center"/>'
            f"<w:tblBorders>{borders}</w:tblBorders><w:tblLayout w:type=\"fixed\"/>"
            '<w:tblCellMar><w:left w:w="57" w:type="dxa"/><w:right w:w="57" w:type="dxa"/></w:tblCellMar>'
            '<w:tblLook w:val="0000"/></w:tblPr><w:tblGrid>'
            + "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
            + "</w:tblGrid>"
        ]
        plain, bold = Font(size=table.size), Font(x.HEITI, table.size)
        line = round(table.size * 10 * 1.4)
        if table.header:
            out.append(_row([c.label for c in table.columns], widths, ["center"] * len(widths),
                            [bold] * len(widths), line, header=True))
        aligns = [c.align for c in table.columns]
        fonts = [bold if c.heading else plain for c in table.columns]
        for cells in table.rows:
            out.append(_row(cells, widths, aligns, fonts, line))
        if table.totals is not None:
            out.append(_row(table.totals, widths, aligns, [bold] + [plain] * (len(widths) - 1), line))
        out.append("</w:tbl>")
        self.parts.append("".join(out))

    def blocks(self, blocks: list[Block]) -> None:
        for block in blocks:
            if isinstance(block, Text):
                self.text(block)
            elif isinstance(block, Table):
                self.table(block)
                self.blank()
            else:
                self.image(block)

    # -- elements of a 公文 -------------------------------------------------------------------
    def mark(self, text: str) -> None:
        """Red 发文机关标志 in 小标宋, sized to fit one line, ≈35 mm below the 版心 top."""
        size_pt = max(MARK_MIN_PT, min(MARK_MAX_PT, math.floor(442 / max(char_width(text), 1))))
        font = Font(x.XIAOBIAOSONG, size_pt * 2, color=x.RED)
        self.para("", Para(line=MARK_SPACER, mark_font=Font(size=2)))
        self.para(x.run(text, font), Para(align="center", line=round(size_pt * 20 * 1.15), mark_font=font))

    def doc_number(self, number: str, *, rule: bool) -> None:
        """发文字号, centred; the red separator is its bottom border 4 mm below, 156 mm wide."""
        bottom = x.border("bottom", 12, x.RED, space=11) if rule else None
        self.para(x.run(number), Para(align="center", border_bottom=bottom))

    def title(self, title: str) -> None:
        for line in split_title(title):
            self.para(x.run(line, x.TITLE), Para(align="center", mark_font=x.TITLE))

    def addressee(self, recipients: list[str]) -> None:
        if recipients:
            self.para(x.run("、".join(recipients) + "："), Para(align="both"))

    def attachment_note(self, titles: list[str]) -> None:
        """附件说明: one blank line, 左空二字, numbered when several, wraps align with the name."""
        self.blank()
        if len(titles) == 1:
            self.para(x.run(f"附件：{titles[0]}"), Para(left=2 * CHAR + 3 * CHAR, hanging=3 * CHAR))
            return
        for i, name in enumerate(titles, 1):
            label = "附件：" if i == 1 else "　　　"
            self.para(x.run(f"{label}{i}.{name}"), Para(left=2 * CHAR + 4 * CHAR, hanging=4 * CHAR))

    def signature(self, name: str, date: str) -> None:
        """署名 centred over the 成文日期; the date is 右空四字 (sealed format, 7.3.5.1)."""
        self.blank(2)
        date_right = 4 * CHAR
        shift = (char_width(date) - char_width(sanitize(name))) / 2 * CHAR
        self.para(x.run(name), Para(align="right", right=max(0, round(date_right + shift)), keep_next=True))
        self.para(x.run(date), Para(align="right", right=date_right))

    def attachment(self, index: int | None, item: Attachment) -> None:
        """附件 on a new page: label 黑体 top-left, title centred on the third line."""
        label = "附件" if index is None else f"附件{index}"
        self.para(x.run(label, x.HEADING1), Para(align="left", page_break_before=True, mark_font=x.HEADING1))
        self.blank()
        self.title(item.title)
        self.blank()
        self.blocks(item.blocks)

    def parties(self, parties: list[Party]) -> None:
        """Signature blocks, one cell per party: 单位（盖章）、签字、日期."""
        if not parties:
            return
        self.blank()
        per_row = min(3, len(parties))
        rows: list[list[str | list[str]]] = []
        for start in range(0, len(parties), per_row):
            chunk = parties[start : start + per_row]
            cells: list[str | list[str]] = [_party_cell(p) for p in chunk]
            cells += [""] * (per_row - len(chunk))
            rows.append(cells)
        self.table(Table([Column("", 1, "left")] * per_row, rows, header=False, borders=False))

    def imprint(self, cc: list[str], issuer: str, date: str) -> None:
        """版记 at the foot of the last page: rules sz 8 / 6 / 8, 抄送 and 印发 lines in 4号仿宋."""
        font = x.SMALL
        rows = []
        if cc:
            text = "抄送：" + "，".join(cc) + "。"
            rows.append(x.paragraph(x.run(text, font), Para(
                left=IMPRINT_INDENT + 3 * IMPRINT_INDENT, right=IMPRINT_INDENT, hanging=3 * IMPRINT_INDENT,
                mark_font=font)))
        printed = x.run(issuer, font) + "<w:r><w:tab/></w:r>" + x.run(f"{date}印发", font)
        rows.append(x.paragraph(printed, Para(
            left=IMPRINT_INDENT, right=0, right_tab=TEXT_WIDTH - IMPRINT_INDENT, mark_font=font)))
        tr = "".join(
            f'<w:tr><w:trPr><w:cantSplit/></w:trPr><w:tc><w:tcPr><w:tcW w:w="{TEXT_WIDTH}" w:type="dxa"/>'
            f"</w:tcPr>{row}</w:tc></w:tr>"
            for row in rows
        )
        self.parts.append(
            "<w:tbl><w:tblPr>"
            '<w:tblpPr w:leftFromText="0" w:rightFromText="0" w:vertAnchor="margin" w:horzAnchor="margin"'
            ' w:tblpXSpec="center" w:tblpYSpec="bottom"/>'
            f'<w:tblW w:w="{TEXT_WIDTH}" w:type="dxa"/><w:jc w:val="center"/><w:tblBorders>'
            + x.border("top", 8) + '<w:left w:val="nil"/>' + x.border("bottom", 8)
            + '<w:right w:val="nil"/>' + x.border("insideH", 6) + '<w:insideV w:val="nil"/>'
            + '</w:tblBorders><w:tblLayout w:type="fixed"/>'
            '<w:tblCellMar><w:left w:w="0" w:type="dxa"/><w:right w:w="0" w:type="dxa"/></w:tblCellMar>'
            f'</w:tblPr><w:tblGrid><w:gridCol w:w="{TEXT_WIDTH}"/></w:tblGrid>{tr}</w:tbl>'
        )
        self.para("", Para(line=20, mark_font=Font(size=2)))

    def to_docx(self) -> bytes:
        return assemble("".join(self.parts), self.images)


def _heading_runs(line: str) -> str:
    """Runs for a body line: the 一、/（一） heading phrase (up to the first 。) in 黑体/楷体."""
    font = x.HEADING1 if _H1.match(line) else x.HEADING2 if _H2.match(line) else None
    if font is None:
        return x.run(line)
    end = line.find("。") + 1 or len(line)
    return x.run(line[:end], font) + x.run(line[end:])


def _row(cells: Sequence[str | list[str]], widths: list[int], aligns: list[str], fonts: list[Font], line: int,
         *, header: bool = False) -> str:
    tr_pr = "<w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>" if header else "<w:trPr><w:cantSplit/></w:trPr>"
    tcs = []
    for text, width, align, font in zip(cells, widths, aligns, fonts, strict=False):
        paras = "".join(
            x.paragraph(x.run(part, font), Para(align=align, line=line, mark_font=font))
            for part in (text if isinstance(text, list) else [text])
        )
        tcs.append(f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/><w:vAlign w:val="center"/></w:tcPr>'
                   f"{paras}</w:tc>")
    return f"<w:tr>{tr_pr}{''.join(tcs)}</w:tr>"


def _party_cell(party: Party) -> list[str]:
    lines = [f"{party.role_label}（盖章）：", party.unit, "签字：", "日期：　年　月　日"]
    if party.confirmed_by:
        lines.append(f"已在线确认：{party.confirmed_by} {party.confirmed_on or ''}".rstrip())
    return lines


def compose(content: Content) -> bytes:
    """Lay out a document of any kind; the single entry point from kinds to .docx bytes."""
    c = Composer()
    if content.layout == "notice":
        c.mark(content.mark)
        c.blank(2)
        c.doc_number(content.doc_number, rule=True)
        c.blank(2)
        c.title(content.title)
        c.blank()
        c.addressee(content.recipients)
        c.blocks(content.blocks)
        if content.attachments:
            c.attachment_note([a.title for a in content.attachments])
        c.signature(content.signature, content.date)
        numbered = len(content.attachments) > 1
        for i, item in enumerate(content.attachments, 1):
            c.attachment(i if numbered else None, item)
        c.imprint(content.cc, content.issuer, content.date)
    else:
        c.title(content.title)
        c.doc_number(content.doc_number, rule=False)
        c.blank()
        c.blocks(content.blocks)
        c.parties(content.parties)
    return c.to_docx()
