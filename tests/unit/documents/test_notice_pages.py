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

from models.documents import KINDS, build_content, load_template, render_notice
from models.documents.pdf import render_pdfs, soffice_path
from models.documents.samples import sample_context, stress_cases
from models.documents.typeset import word_boundaries

pytestmark = pytest.mark.skipif(soffice_path() is None, reason="LibreOffice not installed")

MM = 25.4 / 72
TEXT_TOP, TEXT_BOTTOM = 37.0, 262.0
CASES: dict[str, tuple[str, Any]] = {
    kind: (kind, sample_context(kind, code=load_template(kind).code)) for kind in KINDS
} | stress_cases()
WITH_IMPRINT = [name for name, (kind, _) in CASES.items() if KINDS[kind].layout in ("notice", "letter")]
PLACEHOLDER = re.compile(r"××|\$[A-Za-z_]|\{\{|\}\}")
TOKENS = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日|\d{4}年\d{1,2}月|[\u4e00-\u9fff]{1,8}〔\d{4}〕\d+号|\d[\d,]*(?:\.\d+)?%?")


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


@pytest.mark.parametrize("name", WITH_IMPRINT)
def test_signature_page_carries_body_text(rendered: dict[str, list[Page]], name: str) -> None:
    kind, ctx = CASES[name]
    signature = load_template(kind).signature
    page = next(p for p in rendered[name] if any(ln.text == signature for ln in p.lines))
    date = next(i for i, ln in enumerate(page.lines) if re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", ln.text))
    body = [ln for ln in page.lines[:date] if round(ln.size) == 16 and ln.text != signature]
    assert body, f"page {page.number} shows only the 署名 and date"


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
    if CASES[name][0] in ("issue-plan", "bulletin", "asset-list", "archive-list", "staff-roster"):
        assert checked or any(page.plumber.find_tables() for page in rendered[name])


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
