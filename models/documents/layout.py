"""The one GB/T 9704 layout builder shared by every notice kind.

Kinds describe *what* a document says (:class:`Content`); :func:`compose` decides *where* it goes:
版头 (red mark, 发文字号, red rule), 主体 (title, 主送, body, 附件说明, 署名/日期, 附件) and 版记.
Forms (督办通知单) and lists (名册/清单/确认书) reuse the same page, fonts and primitives.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from models.documents import fitting
from models.documents import ooxml as x
from models.documents.ooxml import CHAR, LINE_PITCH, SIZE_4, SIZE_5, TEXT_WIDTH, Font, Para
from models.documents.package import assemble
from models.documents.text import char_width, sanitize
from models.documents.typeset import column_widths, tokens_fit, word_boundaries, wrap_cell
from models.documents.typeset import split_title as _split_title

_H1 = re.compile(r"^[一二三四五六七八九十]+、")
_H2 = re.compile(r"^（[一二三四五六七八九十]+）")
TITLE_CHARS = 20  # 2号 characters per 156 mm line
TITLE_TIGHT_LINE = 460  # twips: a long title's lines closed up (22 pt type, 23 pt lines) so page 1 keeps body text
MARK_MAX_PT = 36  # practice (小初); shrunk, then narrowed, to fit one line
MARK_MIN_PT = 26
MARK_SPACER = 1950  # twips above the mark so its glyph top sits ≈35 mm below the 版心 top
RULE_EXTRA = 250  # twips the red rule (border 11 pt below the 文号) adds to that paragraph
TEXT_HEIGHT = 12756  # twips: 版心 225 mm
BODY_CHARS = 28
HELD_ROWS = 3  # a list's last rows that stay on the page of its 签章 blocks
KEEP_LINES = 6  # a closing paragraph up to this many lines moves with the 署名 to its page
IMPRINT_INDENT = 280  # 一字 at 4号
IMPRINT_LINE = 560  # twips per 版记 line (exact), so the block's height is known before layout
IMPRINT_CHARS = 30  # 4号 characters per 版记 line between the 一字 indents
RULE_TWIPS = 40  # a 版记 rule with its 1 pt gap
EMU_PER_MM = 36000
TWIPS_PER_MM = 56.6929
LETTER_MARK_TOP = round(30 * TWIPS_PER_MM)  # 信函: mark 30 mm below the page edge (GB/T 9704 10.1)
LETTER_FOOT_RULE = round((297 - 20) * TWIPS_PER_MM)  # 信函: lower double rule 20 mm above the bottom edge
LETTER_RULE_WIDTH = round(170 * TWIPS_PER_MM)

Layout = Literal["notice", "letter", "form", "list"]


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
    even: bool = False  # columns of equal width (signature blocks side by side)
    whole: bool = False  # all rows on one page (the 回执 is torn off in one piece)
    top: bool = False  # cells aligned to the top (signature blocks side by side), not centred
    keep_end: int = 0  # the last rows (and 合计) held on the page of what follows (a list's 签章 blocks)
    after: int = 0  # twips of what follows and is held with them: fewer rows are held when all would not fit
    trailer: list[str] = field(default_factory=list)  # body XML set as borderless full-width rows after 合计


@dataclass
class Image:
    png: bytes
    width_mm: float
    height_mm: float
    name: str
    redraw: Callable[[float], bytes] | None = None  # the picture drawn again at another height (mm)
    min_height_mm: float = 0.0  # the lowest it may be drawn to fit the room left on a page


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
    receipt: list[str] = field(default_factory=list)  # form: fields of the tear-off 回执


def split_title(title: str, max_chars: int = TITLE_CHARS) -> list[str]:
    """Break a long title into lines of ≤ max_chars 字 between words (梯形, shorter lines on top)."""
    return _split_title(title, max_chars)


def _lines(text: str, chars: float, indent: float = 0) -> int:
    return max(1, math.ceil((char_width(sanitize(text)) + indent) / chars))


@dataclass(frozen=True)
class FirstPage:
    """How page 1 is fitted: title line height, whether 主送 moves to the 版记, and any warning."""

    title_line: int = LINE_PITCH
    addressee_in_imprint: bool = False
    title_gap: int = 2  # blank lines between the red rule (or 信函 number) and the title
    warning: str | None = None


def fit_first_page(content: Content) -> FirstPage:
    """GB/T 9704 7.3.3: page 1 must show body text. Close up a long title first, then move 主送 to the
    版记 (7.3.2 allows it), then take one blank line out above the title; if even that leaves no room for
    two body lines (a paragraph never leaves a single line behind), say so before the document is issued."""
    if content.layout not in ("notice", "letter"):
        return FirstPage()
    title_lines = len(split_title(content.title))
    head = _head_height(content)
    addressee = _lines("、".join(content.recipients) + "：", BODY_CHARS) * LINE_PITCH if content.recipients else 0
    first = next((b.text.split("\n")[0] for b in content.blocks if isinstance(b, Text)), "")
    body = min(2, _lines(first, BODY_CHARS, 2)) * LINE_PITCH
    steps = ((LINE_PITCH, False, 2), (TITLE_TIGHT_LINE, False, 2), (TITLE_TIGHT_LINE, True, 2),
             (TITLE_TIGHT_LINE, True, 1))
    for line, moved, gap in steps:
        used = head + gap * LINE_PITCH + title_lines * line + LINE_PITCH + (0 if moved else addressee) + body
        if used <= TEXT_HEIGHT:
            return FirstPage(line, moved and bool(content.recipients), gap)
    return FirstPage(TITLE_TIGHT_LINE, bool(content.recipients), 1,
                     f"标题过长（{len(content.title)}字，排{title_lines}行）：首页无法显示正文，请精简标题后再印发。")


def _head_height(content: Content) -> int:
    """Twips of page 1 above the blank lines before the title: 版头 of a 文件, or the 信函 head."""
    if content.layout == "letter":
        return LETTER_SPACER + LINE_PITCH + LETTER_HEAD_BELOW
    mark = _mark_size(content.mark)[0]
    return MARK_SPACER + round(mark * 20 * 1.15) + 2 * LINE_PITCH + LINE_PITCH + RULE_EXTRA


@dataclass(frozen=True)
class Closing:
    """How the end of the body meets the 署名: blank lines above it (2, or 1 when space runs short) and,
    for a closing paragraph too long to move whole, the offset where its last sentences become a paragraph
    of their own that travels with the 署名."""

    blanks: int = 2
    split_at: int | None = None


def _width(text: str, wide: bool) -> float:
    """Width in 字; ``wide`` counts Latin letters and digits as the preview faces set them (0.62 字)."""
    clean = sanitize(text)
    return char_width(clean) + (0.12 * sum(ord(ch) < 0x2E80 for ch in clean) if wide else 0)


def _flow(content: Content, fit: FirstPage, wide: bool) -> list[fitting.Para]:
    """Paragraphs of the 主体 from the title to the closing paragraph, as the paginator sees them."""
    paras = [fitting.Para(fit.title_gap), *[fitting.Para(1, fit.title_line, keep_next=True)
                                           for _ in split_title(content.title)], fitting.Para(1)]
    if content.recipients and not fit.addressee_in_imprint:
        paras.append(fitting.Para(fitting.lines_of(_width("、".join(content.recipients) + "：", wide), BODY_CHARS)))
    for block in content.blocks:
        if isinstance(block, Text):
            for line in sanitize(block.text).split("\n"):
                lines = fitting.lines_of(_width(line, wide), BODY_CHARS, 2 if block.indent else 0)
                paras.append(fitting.Para(lines, keep_next=_is_heading(line)))
        elif isinstance(block, Image):
            paras.append(fitting.Para(1, round(block.height_mm * TWIPS_PER_MM) + IMAGE_EXTRA, split=False))
        else:
            paras.append(fitting.Para(len(block.rows) + 2, round(block.size * 10 * 1.4) + 120, split=False))
    return paras


def _chain(content: Content, blanks: int, wide: bool) -> int:
    """Twips from the end of the body to the 成文日期: 附件说明 with its blank line, blanks, 署名, date."""
    notes = [f"附件：{a.title}" for a in content.attachments]
    lines = sum(fitting.lines_of(_width(n, wide), BODY_CHARS, 5 if len(notes) == 1 else 6) for n in notes)
    return ((1 + lines if notes else 0) + blanks + 2) * LINE_PITCH


def fit_closing(content: Content, fit: FirstPage) -> Closing:
    """GB/T 9704 7.3.5.4: when the room left under the body cannot take the 署名 and date, close up the
    spacing (two blank lines above the 署名 become one); when even that does not fit, the end of the body
    moves with the 署名 to the next page — a closing paragraph of up to KEEP_LINES lines moves whole (kept
    with the next paragraph), a longer one gives its last sentences to a paragraph that does.

    The decisions hold in Word as in LibreOffice because they are made here with a line of margin (and
    with narrow and wide digits), not left to each engine's handling of long kept paragraphs."""
    if content.layout not in ("notice", "letter") or not content.blocks or not isinstance(content.blocks[-1], Text):
        return Closing()
    closing = sanitize(content.blocks[-1].text).split("\n")[-1]
    indent = 2 if content.blocks[-1].indent else 0
    ends = [fitting.paginate(_flow(content, fit, wide), start=_head_height(content)) for wide in (False, True)]
    free = min(end.free for end in ends)
    long = max(fitting.lines_of(_width(closing, w), BODY_CHARS, indent) for w in (False, True)) > KEEP_LINES
    for blanks in (2, 1):
        if free >= max(_chain(content, blanks, w) for w in (False, True)) + LINE_PITCH:  # a line of margin
            return Closing(blanks)
    return Closing(2, _tail_split(closing, indent) if long else None)


_SENTENCE_END = "。！？；"
_CLAUSE_END = "，、："


def _tail_split(text: str, indent: float) -> int | None:
    """Offset where the last sentences of a long closing paragraph (at most KEEP_LINES lines, at least two
    when a sentence boundary allows) start; clause boundaries, then word boundaries, when there is none."""
    for stops in (_SENTENCE_END, _CLAUSE_END):
        cuts = [i + 1 for i, ch in enumerate(text[:-1]) if ch in stops]
        tails = [c for c in cuts if _lines(text[c:], BODY_CHARS, indent) <= KEEP_LINES and c >= 2 * BODY_CHARS]
        if tails:
            two = [c for c in tails if _lines(text[c:], BODY_CHARS, indent) >= 2]
            return max(two) if two else min(tails)
    words = sorted(b for b in word_boundaries(text) if 2 * BODY_CHARS <= b <= len(text) - 2 * BODY_CHARS)
    return words[-1] if words else None


def fit_images(content: Content, fit: FirstPage) -> Content:
    """A picture that does not fit the room left on its page would leave that room empty: it is drawn lower
    when the room allows (down to its ``min_height_mm``), otherwise the paragraphs after it (whole sections,
    never a heading alone, never the closing paragraph) move before it until the page is filled, and the
    picture follows them directly."""
    if content.layout not in ("notice", "letter"):
        return content
    blocks = list(content.blocks)
    for at, block in enumerate(blocks):
        if not isinstance(block, Image):
            continue
        before = replace(content, blocks=blocks[:at])
        free = min(fitting.paginate(_flow(before, fit, wide), start=_head_height(content)).free
                   for wide in (False, True)) - IMAGE_EXTRA
        if free >= fitting.PAGE - IMAGE_EXTRA - LINE_PITCH or round(block.height_mm * TWIPS_PER_MM) <= free:
            continue  # it fits, or it starts a page anyway
        room = free / TWIPS_PER_MM - 2  # mm, with a margin
        if block.redraw is not None and room >= block.min_height_mm:
            blocks[at] = replace(block, png=block.redraw(room), height_mm=room)
            continue
        lines, moved = free // LINE_PITCH, at + 1
        while moved < len(blocks) - 1 and isinstance(blocks[moved], Text) and lines >= 2:
            text = blocks[moved]
            assert isinstance(text, Text)
            lines -= sum(fitting.lines_of(_width(line, True), BODY_CHARS, 2 if text.indent else 0)
                         for line in sanitize(text.text).split("\n"))
            moved += 1
        while moved > at + 1 and _is_heading(sanitize(blocks[moved - 1].text).split("\n")[-1]):  # type: ignore[union-attr]
            moved -= 1  # a heading stays with the paragraph under it
        blocks = [*blocks[:at], *blocks[at + 1:moved], block, *blocks[moved:]]
        break  # one picture per document is rearranged; the rest follow as laid out
    return replace(content, blocks=blocks)


def _is_heading(line: str) -> bool:
    """A one-line 一、/（一） heading, kept with the paragraph after it."""
    return bool(_H1.match(line) or _H2.match(line)) and _lines(line, BODY_CHARS, 2) == 1 \
        and not line.rstrip().endswith("。")


def _mark_size(text: str) -> tuple[int, int]:
    """Point size and horizontal scale (percent) that fit the red mark on one 156 mm line."""
    width = max(char_width(sanitize(text)), 1)
    size = max(MARK_MIN_PT, min(MARK_MAX_PT, math.floor(440 / width)))
    scale = min(100, math.floor(440 / (width * size) * 100))
    return size, max(scale, 50)


LETTER_SPACER = 300  # twips below the 版心 top: the 信函 发文字号 sits just under the upper double rule
LETTER_HEAD_BELOW = 631  # twips of the 信函 mark frame (30 mm from the page edge) reaching into the 版心
IMAGE_EXTRA = 60  # twips an image paragraph (auto line height) adds to the picture


class Composer:
    """Accumulates body XML and image parts, then assembles the package."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.images: list[bytes] = []
        self.title_page = False  # 信函: no page number on page 1

    # -- primitives -------------------------------------------------------------------------
    def para(self, runs: str, p: Para = Para()) -> None:
        self.parts.append(x.paragraph(runs, p))

    def blank(self, lines: int = 1) -> None:
        for _ in range(lines):
            self.parts.append(x.paragraph("", Para()))

    def text(self, block: Text, *, keep_last: bool = False, keep_all: bool = False) -> None:
        lines = sanitize(block.text).split("\n")
        for i, line in enumerate(lines):
            # the closing paragraph travels with the 署名 (LibreOffice moves a kept paragraph whole, so only a
            # short one is kept; a longer one still leaves its last lines by widow control)
            keep = (keep_last and i == len(lines) - 1 and _lines(line, BODY_CHARS, 2) <= KEEP_LINES) \
                or _is_heading(line) or keep_all
            self.para(_heading_runs(line), Para(align=block.align, first_line=2 * CHAR if block.indent else 0,
                                                keep_next=keep))

    def image(self, image: Image) -> None:
        self.images.append(image.png)
        index = len(self.images)
        drawing = x.inline_image(
            f"rIdImg{index}", index, round(image.width_mm * EMU_PER_MM), round(image.height_mm * EMU_PER_MM),
            image.name,
        )
        self.para(drawing, Para(align="center", line=None))

    def table(self, table: Table) -> None:
        flat = [[_cell_text(c) for c in row] for row in [*table.rows, *([table.totals] if table.totals else [])]]
        labels = [c.label if table.header else "" for c in table.columns]
        whole, padding = [c.heading for c in table.columns], 2 * 57 + 20
        if table.size > SIZE_5 and not tokens_fit(labels, flat, total=TEXT_WIDTH, char_twips=table.size * 10,
                                                  padding=padding, whole=whole):
            table = replace(table, size=SIZE_5)  # 五号 before a date, 文号 or amount has to wrap
        widths = ([TEXT_WIDTH // len(table.columns)] * len(table.columns) if table.even else
                  column_widths(labels, flat, [c.weight for c in table.columns], total=TEXT_WIDTH,
                                char_twips=table.size * 10, padding=padding, whole=whole))
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
        aligns = [c.align for c in table.columns]
        fonts = [bold if c.heading else plain for c in table.columns]
        room = [(w - 2 * 57) / (table.size * 10) - 0.05 for w in widths]  # 字 per line (Latin already generous)
        if table.header:
            out.append(_row([_label(c.label, r) for c, r in zip(table.columns, room, strict=True)], widths,
                            ["center"] * len(widths), [bold] * len(widths), line, header=True))
        rows = [_wrapped(cells, room) for cells in table.rows]
        if table.keep_end > 0 and table.after > 0:
            table = replace(table, keep_end=_held_rows(table, rows, [_label(c.label, r) for c, r in zip(
                table.columns, room, strict=True)] if table.header else [], _wrapped(table.totals, room)
                if table.totals else None, line))
        tail = len(table.rows) - table.keep_end  # rows from here on keep with the next row
        for i, cells in enumerate(rows):
            keep = (table.whole or i >= tail) and (i < len(table.rows) - 1 or table.totals is not None
                                                         or table.keep_end > 0)
            out.append(_row(cells, widths, aligns, fonts, line, keep=keep, top=table.top))
        if table.totals is not None:
            out.append(_row(_wrapped(table.totals, room), widths, aligns, [bold] + [plain] * (len(widths) - 1), line,
                            keep=table.keep_end > 0))
        for i, content in enumerate(table.trailer):
            edges = (*(("top",) if i else ()), "left", "bottom", "right")  # the first keeps 合计's rule above it
            sides = "".join(f'<w:{e} w:val="nil"/>' for e in edges)
            out.append(f'<w:tr><w:trPr><w:cantSplit/></w:trPr><w:tc><w:tcPr><w:tcW w:w="{TEXT_WIDTH}" w:type="dxa"/>'
                       f'<w:gridSpan w:val="{len(widths)}"/><w:tcBorders>{sides}</w:tcBorders>'
                       '<w:tcMar><w:left w:w="0" w:type="dxa"/><w:right w:w="0" w:type="dxa"/></w:tcMar></w:tcPr>'
                       f"{content}</w:tc></w:tr>")
        out.append("</w:tbl>")
        self.parts.append("".join(out))

    def blocks(self, blocks: list[Block], *, keep_last: bool = False, parties: Sequence[Party] = ()) -> None:
        """With ``parties`` (a 名册/清单): the 签章 blocks never stand alone on a page. They and whatever follows
        the last table (the 其中 note) are set as borderless full-width rows at the end of that table, held with
        its last rows and 合计 (as many of the last HELD_ROWS rows as fit on one page with them): LibreOffice
        moves kept rows to the next page only when it splits a table there, never a table part that starts a
        page and fits on it, so a block after the table was left alone when the last rows were tall."""
        last_table = max((i for i, b in enumerate(blocks) if isinstance(b, Table)), default=-1) if parties else -1
        for i, block in enumerate(blocks):
            if 0 <= last_table < i:
                break
            if isinstance(block, Text):
                self.text(block, keep_last=keep_last and i == len(blocks) - 1)
            elif isinstance(block, Table):
                if i == last_table:
                    self.held_table(block, blocks[i + 1:], parties)
                else:
                    self.table(block)
                    self.blank()
            else:
                self.image(block)
        if parties and last_table < 0:
            self.parties(parties)

    def held_table(self, table: Table, after: Sequence[Block], parties: Sequence[Party]) -> None:
        """The last table of a list with ``after`` and the 签章 blocks as its trailing rows (see ``blocks``)."""
        start = len(self.parts)
        self.keep_blank()
        for block in after:
            if isinstance(block, Text):
                self.text(block, keep_all=True)
            else:
                assert isinstance(block, Image)
                self.image(block)
        note = "".join(self.parts[start:])
        del self.parts[start:]
        self.parties(parties)
        signatures = "".join(self.parts[start:]) + x.paragraph("", Para(line=20, mark_font=Font(size=2)))
        del self.parts[start:]
        height = LINE_PITCH + sum(map(_height, after)) + _parties_height(parties)
        self.table(replace(table, keep_end=min(HELD_ROWS, len(table.rows)), after=height,
                           trailer=[note, signatures]))

    # -- elements of a 公文 -------------------------------------------------------------------
    def mark(self, text: str) -> None:
        """Red 发文机关标志 in 小标宋, sized to fit one line, ≈35 mm below the 版心 top."""
        size_pt, scale = _mark_size(text)
        font = Font(x.XIAOBIAOSONG, size_pt * 2, color=x.RED, scale=scale)
        self.para("", Para(line=MARK_SPACER, mark_font=Font(size=2)))
        self.para(x.run(text, font), Para(align="center", line=round(size_pt * 20 * 1.15), mark_font=font))

    def doc_number(self, number: str, *, rule: bool) -> None:
        """发文字号, centred; the red separator is its bottom border 4 mm below, 156 mm wide."""
        bottom = x.border("bottom", 12, x.RED, space=11) if rule else None
        self.para(x.run(number), Para(align="center", border_bottom=bottom))

    def title(self, title: str, line: int = LINE_PITCH) -> None:
        for text in split_title(title):
            self.para(x.run(text, x.TITLE), Para(align="center", line=line, mark_font=x.TITLE, keep_next=True))

    def addressee(self, recipients: list[str]) -> None:
        if recipients:
            self.para(x.run("、".join(recipients) + "："), Para(align="both"))

    def attachment_note(self, titles: list[str]) -> None:
        """附件说明: one blank line, 左空二字, numbered when several, wraps align with the name."""
        self.keep_blank()
        if len(titles) == 1:
            self.para(x.run(f"附件：{titles[0]}"), Para(left=2 * CHAR + 3 * CHAR, hanging=3 * CHAR, keep_next=True,
                                                      keep_lines=True))
            return
        for i, name in enumerate(titles, 1):
            label = "附件：" if i == 1 else "　　　"
            self.para(x.run(f"{label}{i}.{name}"), Para(left=2 * CHAR + 4 * CHAR, hanging=4 * CHAR, keep_next=True,
                                                      keep_lines=True))

    def keep_blank(self, lines: int = 1) -> None:
        """Blank lines that travel with what follows (the 署名 never lands alone on a page)."""
        for _ in range(lines):
            self.parts.append(x.paragraph("", Para(keep_next=True)))

    def signature(self, name: str, date: str, blanks: int = 2) -> None:
        """署名 centred over the 成文日期, the date 右空四字 (sealed format, 7.3.5.1), ``blanks`` lines under the
        body. A 署名 too long to be centred over the date that way is set 右空二字 and the date centred under it."""
        self.keep_blank(blanks)
        name_w, date_w = char_width(sanitize(name)), char_width(date)
        date_right = 4 * CHAR
        name_right = date_right + (date_w - name_w) / 2 * CHAR
        if name_right < 2 * CHAR:
            name_right = 2 * CHAR
            date_right = round(name_right + (name_w - date_w) / 2 * CHAR)
        self.para(x.run(name), Para(align="right", right=round(name_right), keep_next=True))
        self.para(x.run(date), Para(align="right", right=date_right))

    def attachment(self, index: int | None, item: Attachment) -> None:
        """附件 on a new page: label 黑体 top-left, title centred on the third line."""
        label = "附件" if index is None else f"附件{index}"
        self.para(x.run(label, x.HEADING1), Para(align="left", page_break_before=True, mark_font=x.HEADING1))
        self.blank()
        self.title(item.title)
        self.blank()
        self.blocks(item.blocks)

    def parties(self, parties: Sequence[Party]) -> None:
        """Signature blocks, one cell per party: 单位（盖章）、签字、日期."""
        if not parties:
            return
        self.keep_blank()
        self.table(_parties_table(parties))

    def imprint(self, cc: list[str], issuer: str, date: str, *, addressees: list[str] | None = None,
                letter: bool = False) -> None:
        """版记 at the foot of the last page (7.4): rules sz 8 / 6 / 8, 主送/抄送 and 印发 lines in 4号仿宋.

        Each line is a one-paragraph frame: the last one aligned to the bottom of the 版心
        (``yAlign="bottom"``), the ones above it stacked at computed offsets (every line has an exact
        height). Word and LibreOffice both place such frames on the page of their anchor and never split
        them; LibreOffice leaves a frame in the text flow when paragraphs of one frame differ in borders,
        hence one frame per line. A 信函 keeps only 抄送, without rules or 印发 line (10.1).
        """
        font = x.SMALL
        lines: list[tuple[str, Para, int]] = []  # runs, geometry, height in twips
        for label, names in (("主送", addressees or []), ("抄送", cc)):
            if names:
                text = f"{label}：" + "，".join(names) + "。"
                count = _lines(text[3:], IMPRINT_CHARS - 3)
                lines.append((x.run(text, font), Para(
                    left=IMPRINT_INDENT + 3 * IMPRINT_INDENT, right=IMPRINT_INDENT, hanging=3 * IMPRINT_INDENT,
                    line=IMPRINT_LINE, mark_font=font, keep_lines=True), count * IMPRINT_LINE))
        if not letter:
            need = char_width(sanitize(issuer)) + char_width(f"{date}印发") + 1
            room = IMPRINT_CHARS - 3  # 一字 each side and at least one 字 between 机关 and 日期
            narrow = replace(font, scale=max(60, int(100 * room / need))) if need > room else font
            printed = x.run(issuer, narrow) + "<w:r><w:tab/></w:r>" + x.run(f"{date}印发", font)
            lines.append((printed, Para(left=IMPRINT_INDENT, right=0, right_tab=TEXT_WIDTH - IMPRINT_INDENT,
                                        line=IMPRINT_LINE, mark_font=font, keep_lines=True), IMPRINT_LINE))
        if not lines:
            return
        below = 0
        placed: list[tuple[str, Para]] = []
        for i in range(len(lines) - 1, -1, -1):
            runs, para, height = lines[i]
            if not letter:
                top = x.border("top", 8 if i == 0 else 6 if i == len(lines) - 1 else 0, space=1) \
                    if i == 0 or i == len(lines) - 1 else None
                bottom = x.border("bottom", 8, space=1) if i == len(lines) - 1 else None
                para = replace(para, border_top=top, border_bottom=bottom)
                height += (RULE_TWIPS if top else 0) + (RULE_TWIPS if bottom else 0)
            position = 'w:yAlign="bottom"' if not below else f'w:y="{TEXT_HEIGHT - below - height}"'
            frame = (f'<w:framePr w:w="{TEXT_WIDTH}" w:hRule="atLeast" w:wrap="notBeside" w:vAnchor="margin"'
                     f' w:hAnchor="margin" w:xAlign="center" {position}/>')
            placed.insert(0, (runs, replace(para, frame=frame)))
            below += height
        for runs, para in placed:
            # LibreOffice frames a paragraph only after a plain one; the plain ones stay on one page together
            self.para("", Para(line=20, mark_font=Font(size=2), keep_next=True))
            self.para(runs, replace(para, keep_next=True))
        self.para("", Para(line=20, mark_font=Font(size=2)))

    def letter_head(self, mark: str, number: str) -> None:
        """信函格式 (10.1): red mark 30 mm below the page edge over a red double rule (上粗下细), a second
        double rule (上细下粗) 20 mm above the bottom edge, 发文字号 flush right under the rule."""
        size_pt, scale = _mark_size(mark)
        font = Font(x.XIAOBIAOSONG, size_pt * 2, color=x.RED, scale=scale)
        frame = ('<w:framePr w:w="{w}" w:h="{h}" w:hRule="exact" w:wrap="notBeside" w:vAnchor="page"'
                 ' w:hAnchor="page" w:xAlign="center" w:y="{y}"/>')
        rule = x.border("bottom", 18, x.RED, space=4, style="thickThinSmallGap")
        self.para(x.run(mark, font), Para(
            align="center", line=round(size_pt * 20 * 1.15), mark_font=font, border_bottom=rule,
            frame=frame.format(w=LETTER_RULE_WIDTH, h=round(size_pt * 20 * 1.15) + 200, y=LETTER_MARK_TOP)))
        foot = x.border("top", 18, x.RED, space=0, style="thinThickSmallGap")
        self.para("", Para(line=20, mark_font=Font(size=2)))
        self.para("", Para(line=40, mark_font=Font(size=2), border_top=foot,
                           frame=frame.format(w=LETTER_RULE_WIDTH, h=60, y=LETTER_FOOT_RULE)))
        self.para("", Para(line=LETTER_SPACER, mark_font=Font(size=2)))
        self.para(x.run(number), Para(align="right"))
        self.title_page = True

    def receipt(self, fields: list[str]) -> None:
        """The tear-off 回执 of a 督办通知单: a cut line, then a small form the 承办单位 fills in and returns."""
        if not fields:
            return
        self.blank()
        self.para(x.run("（沿此线剪下）" + "－" * 9 + "回　执" + "－" * 9, x.SMALL),
                  Para(align="center", keep_next=True, mark_font=x.SMALL))
        self.table(Table([Column("", 1.3, heading=True), Column("", 5, "left")],
                         [[name, ""] for name in fields], header=False, whole=True))

    def to_docx(self) -> bytes:
        return assemble("".join(self.parts), self.images, title_page=self.title_page)


def _label(label: str, room: float) -> str:
    """A column heading too wide for its column, broken between words (牵头/单位, not 牵头单/位)."""
    if "\n" in label or char_width(label) <= room or room < 1:
        return label
    if "（" in label[1:] and char_width(label[:label.index("（", 1)]) <= room:
        return label.replace("（", "\n（", 1)  # 职务/（岗位）
    return wrap_cell(label, room)  # between words: 已|完成, 计量|单位


def _wrapped(cells: Sequence[str | list[str]], room: list[float]) -> list[str | list[str]]:
    """Cells with their running text broken into lines here, between tokens (see ``typeset.wrap_cell``)."""
    return [[wrap_cell(sanitize(p), r) for p in c] if isinstance(c, list) else wrap_cell(sanitize(c), r)
            for c, r in zip(cells, room, strict=False)]


def _cell_text(cell: str | list[str]) -> str:
    return "\n".join(cell) if isinstance(cell, list) else cell


def _heading_runs(line: str) -> str:
    """Runs for a body line: only the heading phrase of a 一、/（一） item (up to its first 。 or ：) is
    黑体/楷体; an item that is one long sentence gets the heading font on its number only."""
    match = _H1.match(line) or _H2.match(line)
    if match is None:
        return x.run(line)
    font = x.HEADING1 if _H1.match(line) else x.HEADING2
    stops = [i for i in (line.find("。"), line.find("：")) if i >= 0]
    end = min(stops) + 1 if stops else len(line)
    if end == len(line) and char_width(line) > BODY_CHARS - 2:
        end = match.end()
    return x.run(line[:end], font) + x.run(line[end:])


def _row(cells: Sequence[str | list[str]], widths: list[int], aligns: list[str], fonts: list[Font], line: int,
         *, header: bool = False, keep: bool = False, top: bool = False) -> str:
    """A table row that never splits; ``keep`` holds it on the page of the next row (Word and LibreOffice
    both keep rows together through keep-with-next on their paragraphs)."""
    tr_pr = "<w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>" if header else "<w:trPr><w:cantSplit/></w:trPr>"
    tcs, valign = [], "top" if top else "center"
    for text, width, align, font in zip(cells, widths, aligns, fonts, strict=False):
        paras = "".join(
            x.paragraph(x.run(part, font), Para(align=align, line=line, mark_font=font, keep_next=keep))
            for part in (text if isinstance(text, list) else [text])
        )
        tcs.append(f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/><w:vAlign w:val="{valign}"/></w:tcPr>'
                   f"{paras}</w:tc>")
    return f"<w:tr>{tr_pr}{''.join(tcs)}</w:tr>"


def _parties_table(parties: Sequence[Party]) -> Table:
    per_row = min(3, len(parties))
    rows: list[list[str | list[str]]] = []
    for start in range(0, len(parties), per_row):
        chunk = parties[start : start + per_row]
        cells: list[str | list[str]] = [_party_cell(p) for p in chunk]
        cells += [""] * (per_row - len(chunk))
        rows.append(cells)
    return Table([Column("", 1, "left")] * per_row, rows, header=False, borders=False, even=True, whole=True,
                 top=True)


def _parties_height(parties: Sequence[Party]) -> int:
    """Twips of the 签章 blocks with the blank line above them (0 without parties)."""
    return LINE_PITCH + _height(_parties_table(parties)) if parties else 0


def _row_lines(cells: Sequence[str | list[str]]) -> int:
    return max((sum(p.count("\n") + 1 for p in (c if isinstance(c, list) else [c])) for c in cells), default=1)


def _height(block: Block) -> int:
    """Twips a block takes on the page, estimated generously (a table at its full size's line, every row one
    rule thicker; the held rows' own heights are measured in ``_held_rows``)."""
    if isinstance(block, Text):
        lines = sanitize(block.text).split("\n")
        return sum(_lines(ln, BODY_CHARS, 2 if block.indent else 0) for ln in lines) * LINE_PITCH
    if isinstance(block, Image):
        return round(block.height_mm * TWIPS_PER_MM) + IMAGE_EXTRA
    line = round(block.size * 10 * 1.4)
    rows = [*block.rows, *([block.totals] if block.totals else [])]
    return sum(_row_lines(r) * line + 20 for r in rows) + (2 * line if block.header else 0)


def _held_rows(table: Table, rows: Sequence[Sequence[str | list[str]]], header: Sequence[str],
               totals: Sequence[str | list[str]] | None, line: int) -> int:
    """How many of the last ``table.keep_end`` rows fit on one page with the repeated header, 合计 and the
    ``table.after`` twips that follow (rows 8-9 lines tall: three of them and the 签章 blocks overflow the page, and
    LibreOffice then leaves the blocks alone on the next one); at least the last row, with one line to spare."""
    def height(cells: Sequence[str | list[str]]) -> int:
        return _row_lines(cells) * line + 20  # lines at an exact pitch, plus the rules

    fixed = (height(header) if header else 0) + (height(totals) if totals is not None else 0) + table.after
    for k in range(table.keep_end, 1, -1):
        if fixed + sum(height(r) for r in rows[-k:]) <= TEXT_HEIGHT - LINE_PITCH:
            return k
    return 1


def _party_cell(party: Party) -> list[str]:
    lines = [f"{party.role_label}（盖章）：", party.unit, "签字：", "日期：　年　月　日"]
    if party.confirmed_by:
        lines += [f"已在线确认：{party.confirmed_by}", *([party.confirmed_on] if party.confirmed_on else [])]
    return lines


def compose(content: Content) -> bytes:
    """Lay out a document of any kind; the single entry point from kinds to .docx bytes."""
    c = Composer()
    fit = fit_first_page(content)
    content = fit_images(content, fit)
    closing = fit_closing(content, fit)
    if closing.split_at is not None:
        last = content.blocks[-1]
        assert isinstance(last, Text)
        text = sanitize(last.text)
        cut = text.rindex("\n") + 1 + closing.split_at if "\n" in text else closing.split_at
        content = replace(content, blocks=[*content.blocks[:-1], replace(last, text=f"{text[:cut]}\n{text[cut:]}")])
    if content.layout in ("notice", "letter"):
        if content.layout == "notice":
            c.mark(content.mark)
            c.blank(2)
            c.doc_number(content.doc_number, rule=True)
        else:
            c.letter_head(content.mark, content.doc_number)
        c.blank(fit.title_gap)
        c.title(content.title, fit.title_line)
        c.blank()
        if not fit.addressee_in_imprint:
            c.addressee(content.recipients)
        c.blocks(content.blocks, keep_last=True)
        if content.attachments:
            c.attachment_note([a.title for a in content.attachments])
        c.signature(content.signature, content.date, closing.blanks)
        numbered = len(content.attachments) > 1
        for i, item in enumerate(content.attachments, 1):
            c.attachment(i if numbered else None, item)
        c.imprint(content.cc, content.issuer, content.date, letter=content.layout == "letter",
                  addressees=content.recipients if fit.addressee_in_imprint else None)
    else:
        c.title(content.title)
        c.doc_number(content.doc_number, rule=False)
        c.blank()
        c.blocks(content.blocks, parties=content.parties)
        c.receipt(content.receipt)
    return c.to_docx()
