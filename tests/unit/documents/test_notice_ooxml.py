"""What Word needs to lay a notice out as LibreOffice does, asserted on the package (no Word here).

The render suite (test_notice_pages.py) checks pages as LibreOffice draws them; Word is not available on
this machine, so these tests pin the OOXML the layout relies on to features both engines implement alike:
exact line heights with no space before/after (nothing for "space before at page top" to suppress), an
explicit two-line widow rule, no CJK/Latin auto-spacing, fixed tables with explicit widths and rows that do
not split, keep-with-next chains of single-line paragraphs, and the 版记 as margin-anchored frames with exact
heights. Every package is also validated against the Open XML SDK's schema and semantic rules
(openxml-audit, a port of the validator Word's own SDK uses).
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from docx_readback import NS, Package, pval, q, text
from lxml import etree
from openxml_audit import OpenXmlValidator

from models.demo.notice_samples import closing_cases, long_cell_cases, sample_context, stress_cases
from models.documents import KINDS, load_template, render_notice
from models.documents.layout import BODY_CHARS, IMPRINT_LINE, KEEP_LINES, RULE_TWIPS, TEXT_HEIGHT, _lines
from models.documents.ooxml import TEXT_WIDTH

CASES = {k: (k, sample_context(k, code=load_template(k).code)) for k in KINDS} | stress_cases() \
    | long_cell_cases() | {n: c for n, c in closing_cases().items() if n.endswith(("-328", "-440"))}


@pytest.fixture(scope="module", params=list(CASES))
def case(request: pytest.FixtureRequest) -> tuple[str, bytes, Package]:
    kind, ctx = CASES[request.param]
    raw = render_notice(kind, ctx)
    return request.param, raw, Package.open(raw)


def test_package_passes_the_open_xml_sdk_rules(case: tuple[str, bytes, Package]) -> None:
    name, raw, _ = case
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{name}.docx"
        path.write_bytes(raw)
        result = OpenXmlValidator(max_errors=20).validate(str(path))
    assert result.is_valid, [e.description for e in result.errors]


def test_the_validator_catches_what_word_would_repair() -> None:
    """The check above can fail: a pPr child out of schema order (Word reports the file as corrupt)."""
    kind = "urging"
    pkg = Package.open(render_notice(kind, sample_context(kind, code=load_template(kind).code)))
    broken = pkg.parts["word/document.xml"].decode().replace("<w:keepNext/>", "", 1)
    broken = broken.replace('<w:jc w:val="right"/>', '<w:jc w:val="right"/><w:keepNext/>', 1)
    with tempfile.TemporaryDirectory() as tmp:
        import zipfile

        path = Path(tmp) / "broken.docx"
        with zipfile.ZipFile(path, "w") as zf:
            for part, data in pkg.parts.items():
                zf.writestr(part, broken.encode() if part == "word/document.xml" else data)
        assert not OpenXmlValidator(max_errors=5).validate(str(path)).is_valid


def test_styles_and_settings_leave_nothing_to_engine_defaults(case: tuple[str, bytes, Package]) -> None:
    _, _, pkg = case
    normal = pkg.xml("word/styles.xml").find("w:style[@w:styleId='Normal']/w:pPr", NS)
    widow = normal.find("w:widowControl", NS)
    assert widow is not None and widow.get(q("w:val")) in (None, "1", "true", "on")
    for tag in ("w:autoSpaceDE", "w:autoSpaceDN"):
        assert normal.find(tag, NS).get(q("w:val")) == "0"
    body = pkg.body
    assert not body.findall(".//w:widowControl", NS), "a paragraph overrides the widow rule"
    settings = etree.tostring(pkg.xml("word/settings.xml")).decode()
    assert 'w:name="compatibilityMode"' in settings and re.search(r'compatibilityMode"[^>]*w:val="15"', settings)
    assert 'w:characterSpacingControl w:val="doNotCompress"' in settings  # no punctuation squeezing in Word
    assert "ja-JP" not in settings


def test_every_paragraph_has_exact_height_and_no_space_around(case: tuple[str, bytes, Package]) -> None:
    _, _, pkg = case
    for p in pkg.body.iter(q("w:p")):
        assert pval(p, "w:spacing", "w:before") == pval(p, "w:spacing", "w:after") == "0"
        rule = pval(p, "w:spacing", "w:lineRule")
        assert rule == "exact" or p.find(".//w:drawing", NS) is not None  # images: auto height
        assert pval(p, "w:snapToGrid") == "0"  # the docGrid never rounds a line up to two rows


def test_tables_are_fixed_with_explicit_widths_and_unsplittable_rows(case: tuple[str, bytes, Package]) -> None:
    _, _, pkg = case
    for tbl in pkg.body.iter(q("w:tbl")):
        assert tbl.find("w:tblPr/w:tblLayout", NS).get(q("w:type")) == "fixed"
        width = tbl.find("w:tblPr/w:tblW", NS)
        assert width.get(q("w:type")) == "dxa" and int(width.get(q("w:w"))) == TEXT_WIDTH
        grid = [int(g.get(q("w:w"))) for g in tbl.findall("w:tblGrid/w:gridCol", NS)]
        assert sum(grid) == TEXT_WIDTH
        for i, tr in enumerate(tbl.findall("w:tr", NS)):
            assert tr.find("w:trPr/w:cantSplit", NS) is not None
            cells, spanned, at = [], [], 0
            for tc in tr.findall("w:tc", NS):  # a cell spanning columns (a list's 签章 rows) is as wide as they are
                span = int(tc.find("w:tcPr/w:gridSpan", NS).get(q("w:val"))) if tc.find("w:tcPr/w:gridSpan", NS) \
                    is not None else 1
                cells.append(int(tc.find("w:tcPr/w:tcW", NS).get(q("w:w"))))
                spanned.append(sum(grid[at:at + span]))
                at += span
            assert cells == spanned and at == len(grid), "a cell width differs from its grid columns"
            if i == 0 and tbl.find("w:tr/w:trPr/w:tblHeader", NS) is not None:
                assert tr.find("w:trPr/w:tblHeader", NS) is not None  # only leading rows may repeat
        assert "\u2060" not in text(tbl)  # breaks are explicit, not left to joiner characters


def _has(p: etree._Element, tag: str) -> bool:
    return p.find(f"w:pPr/{tag}", NS) is not None


def _frames(pkg: Package) -> list[etree._Element]:
    return [p for p in pkg.body.iter(q("w:p")) if p.find("w:pPr/w:framePr", NS) is not None]


def test_imprint_frames_are_anchored_to_the_margin_and_stacked_exactly(case: tuple[str, bytes, Package]) -> None:
    name, _, pkg = case
    if KINDS[CASES[name][0]].layout != "notice":
        return
    frames = _frames(pkg)
    assert frames, "no 版记"
    ys, rules = [], []
    for p in frames:
        fp = p.find("w:pPr/w:framePr", NS)
        assert (fp.get(q("w:vAnchor")), fp.get(q("w:hAnchor")), fp.get(q("w:wrap"))) == ("margin", "margin",
                                                                                          "notBeside")
        assert int(fp.get(q("w:w"))) == TEXT_WIDTH and fp.get(q("w:xAlign")) == "center"
        assert _has(p, "w:keepLines") and int(pval(p, "w:spacing", "w:line")) == IMPRINT_LINE
        assert pval(p, "w:spacing", "w:lineRule") == "exact"  # so each frame's height is known in advance
        ys.append(fp.get(q("w:y")) or fp.get(q("w:yAlign")))
        rules.append(len(p.findall("w:pPr/w:pBdr/*", NS)))
    assert ys[-1] == "bottom" and all(y.isdigit() for y in ys[:-1])
    # each frame starts where the one above ends: whole exact lines plus its rules
    tops = [*map(int, ys[:-1])]
    for i, (top, below) in enumerate(zip(tops, tops[1:], strict=False)):
        assert below > top and (below - top - rules[i] * RULE_TWIPS) % IMPRINT_LINE == 0
    if tops:  # the frame above the one-line 印发 frame ends where that frame begins
        rest = TEXT_HEIGHT - (IMPRINT_LINE + rules[-1] * RULE_TWIPS) - tops[-1] - rules[-2] * RULE_TWIPS
        assert rest > 0 and rest % IMPRINT_LINE == 0
    # nothing but frames and their 1 pt spacers after the first frame: all anchored on the last page
    paras = list(pkg.body.iter(q("w:p")))
    after = paras[paras.index(frames[0]):]
    assert all(p in frames or (not text(p) and pval(p, "w:spacing", "w:line") == "20") for p in after)
    frame_props = [etree.tostring(p.find("w:pPr/w:framePr", NS)) for p in frames]
    assert len(set(frame_props)) == len(frame_props)  # Word merges adjacent identical frames: none are identical


def test_signature_chain_is_kept_with_next_up_to_the_date(case: tuple[str, bytes, Package]) -> None:
    name, _, pkg = case
    kind = CASES[name][0]
    if KINDS[kind].layout not in ("notice", "letter"):
        return
    paras = [p for p in pkg.body if p.tag == q("w:p")]
    signature = load_template(kind).signature
    at = next(i for i, p in enumerate(paras) if text(p) == signature and p.find("w:pPr/w:framePr", NS) is None)
    assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", text(paras[at + 1]))
    assert not _has(paras[at + 1], "w:keepNext")
    i = at
    while not text(paras[i - 1]) or text(paras[i - 1]).startswith(("附件：", "　　　")):
        i -= 1  # blank lines and 附件说明 above the 署名
        assert _has(paras[i], "w:keepNext")
    assert _has(paras[at], "w:keepNext")
    closing = paras[i - 1]
    # the paragraph before them moves with them when it is short enough for both engines to move it whole
    assert _has(closing, "w:keepNext") == (_lines(text(closing), BODY_CHARS, 2) <= KEEP_LINES)
