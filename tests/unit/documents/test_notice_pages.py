"""Every notice kind as a 文秘 sees it: rendered by LibreOffice, read back from the PDF pages with pdfplumber.

Positions are measured on the page (mm from the top edge): the 版心 runs from 37 mm to 262 mm.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from io import BytesIO
from typing import Any

import pdfplumber
import pytest

from models.demo.notice_samples import (
    CLOSING,
    closing_cases,
    long_cell_cases,
    long_name_cases,
    sample_context,
    stress_cases,
    tail_cases,
)
from models.documents import KINDS, build_content, load_template, render_notice
from models.documents.layout import KEEP_LINES, fit_closing, fit_first_page
from models.documents.pdf import render_pdfs
from models.documents.text import char_width
from models.documents.typeset import word_boundaries

pytestmark = pytest.mark.usefixtures("libreoffice")

MM = 25.4 / 72
TEXT_TOP, TEXT_BOTTOM = 37.0, 262.0
CASES: dict[str, tuple[str, Any]] = {
    kind: (kind, sample_context(kind, code=load_template(kind).code)) for kind in KINDS
} | stress_cases() | closing_cases() | long_cell_cases() | long_name_cases() | tail_cases()
CLOSINGS = list(closing_cases())
WITH_IMPRINT = [name for name, (kind, _) in CASES.items() if KINDS[kind].layout in ("notice", "letter")]
PLACEHOLDER = re.compile(r"××|\$[A-Za-z_]|\{\{|\}\}")
TOKENS = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日|\d{4}年\d{1,2}月|[\u4e00-\u9fff]{2,5}〔\d{4}〕\d+号|\d[\d,]*(?:\.\d+)?%?")


@dataclass
class Line:
    top: float  # mm
    bottom: float
    x0: float
    size: float
    text: str


@dataclass
class Page:
    number: int
    lines: list[Line]
    plumber: Any

    @property
    def text(self) -> str:
        return "".join(line.text for line in self.lines)


def _lines(page: Any) -> list[Line]:
    rows: dict[tuple[int, int], list[dict[str, Any]]] = defaultdict(list)
    for ch in page.chars:
        if ch["text"].strip():
            rows[(round(ch["bottom"]), round(ch["size"]))].append(ch)
    out = []
    for (_, _), chars in sorted(rows.items()):
        chars.sort(key=lambda c: c["x0"])
        out.append(Line(min(c["top"] for c in chars) * MM, max(c["bottom"] for c in chars) * MM, chars[0]["x0"] * MM,
                        chars[0]["size"], "".join(c["text"] for c in chars)))
    return out


@pytest.fixture(scope="module")
def rendered() -> dict[str, list[Page]]:
    pdfs = render_pdfs({name: render_notice(kind, ctx) for name, (kind, ctx) in CASES.items()}, timeout=300)
    assert pdfs is not None
    out = {}
    for name, pdf in pdfs.items():
        doc = pdfplumber.open(BytesIO(pdf))
        out[name] = [Page(i, _lines(p), p) for i, p in enumerate(doc.pages, 1)]
    return out


def _page_number(line: Line) -> bool:
    return re.fullmatch(r"—\d+—", line.text) is not None


def _imprint_lines(page: Page) -> list[Line]:
    return [ln for ln in page.lines if round(ln.size) == 14 and (ln.text.startswith(("抄送", "主送"))
                                                                    or ln.text.endswith("印发"))]


@pytest.mark.parametrize("name", WITH_IMPRINT)
def test_imprint_sits_whole_at_the_foot_of_the_last_page(rendered: dict[str, list[Page]], name: str) -> None:
    pages = rendered[name]
    last = pages[-1]
    for page in pages[:-1]:
        assert not _imprint_lines(page), f"版记 row on page {page.number} of {len(pages)}"
    rows = _imprint_lines(last)
    assert rows, "no 版记 on the last page"
    foot = rows[-1]
    if KINDS[CASES[name][0]].layout == "notice":
        assert foot.text.endswith("印发")
        assert rows[0].text.startswith("抄送") or rows[0].text.startswith("主送")
    assert TEXT_BOTTOM - 8 <= foot.bottom <= TEXT_BOTTOM + 0.5, f"印发 line bottom at {foot.bottom:.1f} mm"
    assert rows[0].top > TEXT_TOP + 120  # the rows above it are stacked right over it, not floating up


def _signature(name: str, pages: list[Page]) -> tuple[Page, int]:
    """The page and line index of the 署名 (3号, not the 信函's red mark that reads the same)."""
    signature = load_template(CASES[name][0]).signature
    for page in pages:
        for i, ln in enumerate(page.lines):
            if ln.text == signature and round(ln.size) == 16:
                return page, i
    raise AssertionError("no 署名")


def _body_lines(lines: list[Line]) -> list[Line]:
    """3号 lines that are body text: not the 附件说明 (a page of 附件说明, 署名 and date has no body text)."""
    return [ln for ln in lines if round(ln.size) == 16 and not re.match(r"^(附件：|　{3}\d+\.)", ln.text)
            and not _page_number(ln)]


@pytest.mark.parametrize("name", WITH_IMPRINT)
def test_signature_page_carries_body_text(rendered: dict[str, list[Page]], name: str) -> None:
    page, at = _signature(name, rendered[name])
    assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", page.lines[at + 1].text), "date not under the 署名"
    assert _body_lines(page.lines[:at]), f"page {page.number} shows only 附件说明, 署名 and date"


@pytest.mark.parametrize("name", CLOSINGS)
def test_signature_closes_up_or_takes_the_end_of_the_body_along(rendered: dict[str, list[Page]], name: str) -> None:
    """GB/T 9704 7.3.5.4 on every position of the closing paragraph near the foot of page 2: two blank lines
    above the 署名 when there is room, one when that is what makes it fit on the page, otherwise the end of
    the body (the whole short closing paragraph, or the last sentences of a long one) moves with it."""
    kind, ctx = CASES[name]
    content = build_content(kind, ctx, load_template(kind))
    closing = fit_closing(content, fit_first_page(content))
    page, at = _signature(name, rendered[name])
    body = _body_lines(page.lines[:at])
    assert body, "署名 page without body text"
    notes = [ln for ln in page.lines[:at] if ln.top > body[-1].bottom]  # the 附件说明 between them
    pitch = 10.21  # mm: 579 twips
    blanks = round((page.lines[at].top - body[-1].top) / pitch) - 1 - (len(notes) + 1 if notes else 0)
    assert blanks == closing.blanks, f"{blanks} blank lines above the 署名, planned {closing.blanks}"
    previous = rendered[name][page.number - 2]
    room = TEXT_BOTTOM - max(ln.bottom for ln in _body_lines(previous.lines))
    if closing.split_at is None and len(body) > KEEP_LINES:
        assert room < 6 * pitch, "the 署名 left a page with room for it"
    text = "".join(ln.text for p in rendered[name] for ln in _body_lines(p.lines))
    assert CLOSING[:60] in text  # the closing paragraph is all there, whether split or not
    if closing.split_at is not None:
        assert len(body) <= KEEP_LINES, "a long closing paragraph moved whole"


def test_closing_cases_cover_every_outcome() -> None:
    outcomes = set()
    for name in CLOSINGS:
        kind, ctx = CASES[name]
        content = build_content(kind, ctx, load_template(kind))
        closing = fit_closing(content, fit_first_page(content))
        outcomes.add((name.split("-")[1], closing.blanks, closing.split_at is not None))
    assert {("short", 2, False), ("short", 1, False), ("long", 2, False), ("long", 1, False),
            ("long", 2, True)} <= outcomes


@pytest.mark.parametrize("name", WITH_IMPRINT)
def test_page_one_shows_body_text(rendered: dict[str, list[Page]], name: str) -> None:
    page = rendered[name][0]
    title_end = max(ln.bottom for ln in page.lines if round(ln.size) == 22)
    below = [ln for ln in page.lines if round(ln.size) == 16 and ln.top > title_end]
    if below and below[0].text.endswith("："):
        below = below[1:]  # the 主送 line is not body text
    assert below, "page 1 shows no body text"
    assert 37 <= below[0].x0 <= 41, f"first body line not indented two characters (x0 {below[0].x0:.1f} mm)"


@pytest.mark.parametrize("name", list(CASES))
def test_title_lines_break_between_words_and_never_inside_book_titles(rendered: dict[str, list[Page]],
                                                                       name: str) -> None:
    kind, ctx = CASES[name]
    title = build_content(kind, ctx, load_template(kind)).title
    lines = [ln.text for ln in rendered[name][0].lines if round(ln.size) == 22]
    assert "".join(lines) == title
    words = word_boundaries(title)
    at = 0
    for line in lines[:-1]:
        at += len(line)
        assert at in words, f"title breaks inside a word: {title[:at][-4:]}|{title[at:][:4]}"
        opened = title[:at].count("《") - title[:at].count("》")
        if opened:
            book = re.search(r"《[^》]*》", title[title[:at].rindex("《"):])
            assert book is not None and len(book.group()) > 20, "title breaks inside a 《》 that fits a line"
        assert not (title[at - 1].isdigit() and title[at] in "年月日号项名个%"), "number split from its unit"


@pytest.mark.parametrize("name", list(CASES))
def test_no_placeholder_anywhere(rendered: dict[str, list[Page]], name: str) -> None:
    for page in rendered[name]:
        assert not PLACEHOLDER.search(page.plumber.extract_text() or ""), f"placeholder on page {page.number}"


@pytest.mark.parametrize("name", list(CASES))
def test_table_cells_never_wrap_inside_a_date_or_number(rendered: dict[str, list[Page]], name: str) -> None:
    checked = 0
    for page in rendered[name]:
        for table in page.plumber.find_tables():
            for row in table.extract():
                for cell in row:
                    parts = [p for p in (cell or "").split("\n") if p]
                    for a, b in zip(parts, parts[1:], strict=False):
                        joined, cut = a + b, len(a)
                        for m in TOKENS.finditer(joined):
                            assert not m.start() < cut < m.end(), f"cell wraps inside {m.group()!r} ({a}|{b})"
                        checked += 1
    if name.startswith("cells-"):
        assert checked, "the long running texts did not wrap at all"


def _jieba_word_at(text: str, cut: int) -> str | None:
    """The jieba word of ``text`` that ``cut`` falls strictly inside, if any."""
    import jieba

    return next((w for w, a, b in jieba.tokenize(text, HMM=False) if a < cut < b), None)


@pytest.mark.parametrize("name", [n for n in CASES if not n.startswith("closing-")])
def test_table_cells_wrap_only_between_words(rendered: dict[str, list[Page]], name: str) -> None:
    """No line of a table cell ends or starts inside a jieba word (执法|车辆 is two words, 通用|设备 is not),
    unless that word is (about) as wide as the cell's line, and no line starts with closing punctuation."""
    checked = 0
    for page in rendered[name]:
        for table in page.plumber.find_tables():
            for row, texts in zip(table.rows, table.extract(), strict=True):
                for box, cell in zip(row.cells, texts, strict=True):
                    parts = [p for p in (cell or "").split("\n") if p]
                    if box is None or len(parts) < 2:
                        continue
                    size = next((c["size"] for c in page.plumber.crop(box).chars if c["text"].strip()), 14.0)
                    room = (box[2] - box[0] - 2 * 57 / 20) / size  # 字 per line inside the cell margins
                    joined, at = "".join(parts), 0
                    for part in parts[:-1]:
                        at += len(part)
                        checked += 1
                        assert joined[at] not in "，。、：；！？）》%", f"line starts with {joined[at]} ({part}|…)"
                        if at in word_boundaries(joined) or TOKENS.match(joined, at) or TOKENS.search(part[-1]):
                            continue  # between words, or at the edge of a date or number
                        word = _jieba_word_at(joined, at)
                        assert word is None or char_width(word) > room - 0.1, \
                            f"cell wraps inside {word!r} ({joined[:at][-6:]}|{joined[at:][:6]}, room {room:.1f}字)"
    if name.startswith("names-"):
        assert checked, "the long names did not wrap at all"


def test_short_names_stay_whole(rendered: dict[str, list[Page]]) -> None:
    """A name of up to four characters (执法车辆, 通用设备) is never broken in the sample lists."""
    cells = [cell for page in rendered["asset-list"] for t in page.plumber.find_tables() for row in t.extract()[1:]
             for cell in row if cell]
    assert "执法车辆" in cells and "通用设备" in cells and "办公电脑" in cells


def test_amounts_have_thousands_separators(rendered: dict[str, list[Page]]) -> None:
    text = "".join(p.text for p in rendered["asset-list"])
    assert "185,000.00" in text and "24,500.50" in text and not re.search(r"\d{4,}\.\d\d", text)


def test_full_body_page_has_22_lines_of_28_characters(rendered: dict[str, list[Page]]) -> None:
    page = rendered["full-body"][1]
    body = [ln for ln in page.lines if round(ln.size) == 16 and ln.top >= TEXT_TOP - 1 and ln.bottom <= TEXT_BOTTOM + 1]
    assert len(body) == 22
    full = [ln for ln in body if ln.x0 < 29]  # lines that start at the left edge of the 版心 (no indent)
    assert max(len(ln.text) for ln in full) == 28
    assert sum(len(ln.text) == 28 for ln in full) >= 18


def test_staff_roster_of_300_rows_keeps_totals_and_parties(rendered: dict[str, list[Page]]) -> None:
    pages = rendered["roster-300"]
    text = "".join(p.text for p in pages)
    assert "合计300人" in text and "行政编制100名、参公100名、事业编制100名" in text
    assert all("姓名" in p.text for p in pages if "县城市管理局" in p.text and "张" in p.text)  # header repeats


WITH_PARTIES = [name for name, (kind, _) in CASES.items() if kind in ("staff-roster", "asset-list", "archive-list")]


@pytest.mark.parametrize("name", WITH_PARTIES)
def test_list_keeps_its_last_rows_with_the_signature_blocks(rendered: dict[str, list[Page]], name: str) -> None:
    """The 签章 blocks of a 名册/清单 never stand alone on a page: the last three rows of the list and its 合计
    row sit on the page of the signature blocks (and the header row repeats above them) — or, rows so tall
    (cells-*: 8 and 9 lines) that three of them and the blocks overflow a page, as many of the last rows as fit:
    the row before them would not have fitted in the room left on that page."""
    pages = rendered[name]
    page = next(p for p in pages if "移交方（盖章）" in p.text)
    rows = [[(c or "").replace("\n", "") for c in row] for t in page.plumber.find_tables() for row in t.extract()]
    numbered = [r for r in rows if r and r[0].isdigit()]
    items = len(CASES[name][1].data["handover"]["items"])
    assert any(r[0] == "合计" for r in rows), f"合计 not on the 签章 page {page.number}"
    held = min(3, len(numbered))
    assert held >= 1, f"no row of the list with the 签章 blocks on page {page.number}"
    assert [int(r[0]) for r in numbered][-held:] == list(range(items - held + 1, items + 1))
    text = [ln for ln in page.lines if not _page_number(ln)]
    if held < min(3, items):  # the row before the held ones, on the page before, is taller than the room left
        assert page.number > 1
        before = str(items - held)
        tall = next(row.bbox[3] - row.bbox[1] for t in pages[page.number - 2].plumber.find_tables()
                    for row, cells in zip(t.rows, t.extract(), strict=True) if cells and cells[0] == before)
        room = TEXT_BOTTOM - text[-1].bottom
        assert tall * MM > room, f"row {before} ({tall * MM:.0f} mm) left off a page with {room:.0f} mm to spare"
    if page.number > 1:  # the header repeats; the page before was left only as short as the moved block is tall
        assert rows[0][:2] in (["序号", "姓名"], ["序号", "资产编号"], ["序号", "档号"]), "header not repeated"
        block = text[-1].bottom - text[0].top  # the repeated header, the held rows, 合计 and the 签章 blocks
        above = rendered[name][page.number - 2]
        gap = TEXT_BOTTOM - max(ln.bottom for ln in above.lines if not _page_number(ln))
        assert gap < block, f"{gap:.0f} mm left empty on page {above.number} for a {block:.0f} mm block"


@pytest.mark.parametrize("name", [n for n, (kind, _) in CASES.items() if kind == "bulletin"])
def test_bulletin_pages_before_the_chart_are_filled(rendered: dict[str, list[Page]], name: str) -> None:
    """The score chart never leaves the room under the text above it empty: every page before the chart's
    page is filled to within three lines of the bottom of the 版心 (text flows, the chart is drawn lower, or
    the next section moves before it)."""
    pages = rendered[name]
    chart = next(p for p in pages if p.plumber.images)
    for page in pages[:chart.number - 1]:
        bottom = max(ln.bottom for ln in page.lines if not _page_number(ln))
        assert bottom >= TEXT_BOTTOM - 3 * 10.21, f"page {page.number} ends at {bottom:.0f} mm"
    image = chart.plumber.images[0]
    assert image["bottom"] * MM <= TEXT_BOTTOM + 0.5 and (image["bottom"] - image["top"]) * MM >= 40


def test_bulletin_counts_add_up_and_leave_out_unprintable_symbols(rendered: dict[str, list[Page]]) -> None:
    text = "".join(p.text for p in rendered["bulletin-30"])
    m = re.search(r"共(\d+)项，已完成(\d+)项.*?绿灯(\d+)项、黄灯(\d+)项、红灯(\d+)项", text)
    assert m is not None
    total, done, green, yellow, red = map(int, m.groups())
    assert done + green + yellow + red == total
    assert "全县30个责任单位中，27个单位已有到期任务" in text
    assert "🚀" not in text and "\ufffd" not in text


def test_bulletin_composition_table_adds_up_on_the_page(rendered: dict[str, list[Page]]) -> None:
    """附件3 shows each score as value × weight = points per figure; the points add up to the score printed."""
    pages = rendered["bulletin"]
    body = "".join(ln.text for p in pages for ln in p.lines if not _page_number(ln))
    assert "互评（权重0.2，取自2026年10月条块互评）加权合成，延期每次扣1分" in body
    start = next(i for i, p in enumerate(pages) if "附件3" in p.text and p.plumber.find_tables())
    extracted = [row for p in pages[start:] for t in p.plumber.find_tables() for row in t.extract()]
    header = ["排名", "单位", "按期完成", "签收", "互评", "延期", "得分"]
    flat = [[(c or "").replace("\n", "") for c in row] for row in extracted]
    assert flat[0] == header  # the header repeats on every page the table runs over
    rows = [r for r in flat if r != header]
    *rows, totals = rows
    assert len(rows) == 10 and totals[0] == "合计"
    for cells in rows:
        points = [float(m) for cell in cells[2:-1] for m in re.findall(r"=(-?\d+(?:\.\d+)?)", cell)]
        assert len(points) >= 2, cells
        assert abs(sum(points) - float(cells[-1])) < 0.05, cells
        assert re.fullmatch(r"\d+\.\d×0\.(6|75)=\d+\.\d", cells[2]), cells[2]
        assert cells[3] == "—" or re.fullmatch(r"\d+\.\d×0\.2=\d+\.\d", cells[3]), cells[3]
    assert sum(r[3] == "—" for r in rows) == 2  # re-normalised weights (0.75 + 0.25) are printed as such


@pytest.mark.parametrize("name", [n for n, (kind, _) in CASES.items() if kind == "supervision"])
def test_receipt_is_torn_off_in_one_piece(rendered: dict[str, list[Page]], name: str) -> None:
    """The 回执 of a 督办通知单: cut line and all four fields on one page."""
    page = next(p for p in rendered[name] if "沿此线剪下" in p.text)
    cut = next(i for i, ln in enumerate(page.lines) if "沿此线剪下" in ln.text)
    below = "".join(ln.text for ln in page.lines[cut:])
    assert all(f in below for f in ("承办单位", "签收人", "签收时间", "联系电话"))
