"""GB/T 9704 read-back checks for every notice kind (see shared/reference/gongwen_format.md §6)."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from docx import Document
from docx_readback import CJK, NS, Package, is_blank, pval, q, runs, rval, text, top_paragraphs

from models.demo.notice_samples import sample_context
from models.documents import (
    DOC_NUMBER_RE,
    KINDS,
    load_template,
    notice_title,
    render_notice,
)
from models.documents.text import CN_DATE_RE

NOTICES = [k for k, s in KINDS.items() if s.layout == "notice"]
ALLOWED_FONTS = {"仿宋_GB2312", "方正小标宋简体", "黑体", "楷体_GB2312", "宋体"}


def _number_code(kind: str) -> str:
    return load_template(kind).code


@pytest.fixture(scope="module", params=list(KINDS))
def doc(request: pytest.FixtureRequest) -> tuple[str, Package]:
    kind = request.param
    ctx = sample_context(kind, code=_number_code(kind))
    return kind, Package.open(render_notice(kind, ctx))


def test_reopens_with_python_docx(doc: tuple[str, Package]) -> None:
    kind, pkg = doc
    ctx = sample_context(kind, code=_number_code(kind))
    document = Document(io.BytesIO(render_notice(kind, ctx)))
    assert any(p.text == ctx.doc_number for p in document.paragraphs)


def test_page_is_a4_with_standard_margins(doc: tuple[str, Package]) -> None:
    _, pkg = doc
    sect = pkg.body.find("w:sectPr", NS)
    size, mar = sect.find("w:pgSz", NS), sect.find("w:pgMar", NS)
    w, h = int(size.get(q("w:w"))), int(size.get(q("w:h")))
    assert (w, h) == (11906, 16838) and size.get(q("w:orient")) in (None, "portrait")
    top, bottom, left, right = (int(mar.get(q(f"w:{s}"))) for s in ("top", "bottom", "left", "right"))
    assert top == 2098 and left in (1587, 1588) and int(mar.get(q("w:gutter"))) == 0
    assert w - left - right == 8844 and h - top - bottom == 12756  # 版心 156 × 225 mm


def test_grid_and_body_pitch_give_22_lines_of_28_chars(doc: tuple[str, Package]) -> None:
    _, pkg = doc
    grid = pkg.body.find("w:sectPr/w:docGrid", NS)
    assert grid.get(q("w:type")) == "lines" and grid.get(q("w:linePitch")) == "579"
    body_paras = [p for p in pkg.body.iter(q("w:p")) if any(rval(r, "w:sz") == "32" for r in runs(p))]
    assert body_paras
    for p in body_paras:
        assert pval(p, "w:spacing", "w:lineRule") == "exact"
        assert int(pval(p, "w:spacing", "w:line")) <= 579
        assert pval(p, "w:spacing", "w:before") == pval(p, "w:spacing", "w:after") == "0"
        assert pval(p, "w:snapToGrid") == "0"
        for r in runs(p):
            if rval(r, "w:sz") == "32":
                assert int(rval(r, "w:spacing")) <= -5  # 28 × 15.75 pt ≤ 442.2 pt


def test_every_cjk_run_names_an_east_asian_font(doc: tuple[str, Package]) -> None:
    _, pkg = doc
    parts = [pkg.body, pkg.footer("default"), pkg.footer("even")]
    for part in parts:
        for r in runs(part):
            if CJK.search(text(r)) or "—" in text(r):
                assert rval(r, "w:rFonts", "w:eastAsia") in ALLOWED_FONTS, text(r)
    styles = pkg.parts["word/styles.xml"].decode()
    for name in ("word/document.xml", "word/styles.xml", "word/footer1.xml", "word/footer2.xml"):
        raw = pkg.parts[name].decode()
        assert "eastAsiaTheme" not in raw and "asciiTheme" not in raw
        assert "Mincho" not in raw and "明朝" not in raw and "Gothic" not in raw
    st = pkg.xml("word/styles.xml")
    default = st.find("w:docDefaults/w:rPrDefault/w:rPr/w:rFonts", NS)
    normal = st.find("w:style[@w:styleId='Normal']/w:rPr/w:rFonts", NS)
    assert default.get(q("w:eastAsia")) == normal.get(q("w:eastAsia")) == "仿宋_GB2312"
    assert 'w:val="32"' in styles


def test_only_the_mark_and_red_rule_are_red(doc: tuple[str, Package]) -> None:
    kind, pkg = doc
    red = [r for r in runs(pkg.body) if rval(r, "w:color") not in (None, "000000", "auto")]
    if KINDS[kind].layout in ("notice", "letter"):
        assert red and all(rval(r, "w:color").upper() == "FF0000" for r in red)
        assert all(rval(r, "w:rFonts", "w:eastAsia") == "方正小标宋简体" for r in red)
        mark = load_template(kind).mark
        assert {text(r) for r in red} == {mark if KINDS[kind].layout == "notice" else mark.removesuffix("文件")}
    else:
        assert red == []


def test_page_numbers_odd_right_even_left(doc: tuple[str, Package]) -> None:
    _, pkg = doc
    assert pkg.xml("word/settings.xml").find("w:evenAndOddHeaders", NS) is not None
    for kind, jc, side in (("default", "right", "w:right"), ("even", "left", "w:left")):
        footer = pkg.footer(kind)
        p = footer.find("w:p", NS)
        assert pval(p, "w:jc") == jc and int(pval(p, "w:ind", side)) == 280
        assert re.fullmatch(r"— ?1 ?—", text(p)), text(p)
        assert " PAGE " in "".join(t.text for t in p.iter(q("w:instrText")))
        for r in p.iter(q("w:r")):
            assert rval(r, "w:rFonts", "w:eastAsia") == rval(r, "w:rFonts", "w:ascii") == "宋体"
            assert rval(r, "w:sz") == "28"


def test_title_is_xiaobiaosong_2hao_centred(doc: tuple[str, Package]) -> None:
    kind, pkg = doc
    ctx = sample_context(kind, code=_number_code(kind))
    paras = top_paragraphs(pkg)
    is_title = [bool(runs(p)) and rval(runs(p)[0], "w:sz") == "44" for p in paras]
    first = is_title.index(True)
    main = paras[first : first + (is_title[first:] + [False]).index(False)]
    lines = []
    for p in main:
        assert pval(p, "w:jc") == "center" and int(pval(p, "w:ind", "w:firstLine") or 0) == 0
        assert all(rval(r, "w:rFonts", "w:eastAsia") == "方正小标宋简体" for r in runs(p))
        assert len(text(p)) <= 20
        lines.append(text(p))
    assert "".join(lines) == notice_title(kind, ctx)


def test_doc_number_is_centred_and_valid(doc: tuple[str, Package]) -> None:
    kind, pkg = doc
    ctx = sample_context(kind, code=_number_code(kind))
    hits = [p for p in top_paragraphs(pkg) if text(p) == ctx.doc_number]
    assert len(hits) == 1 and DOC_NUMBER_RE.match(text(hits[0]))
    assert pval(hits[0], "w:jc") == ("right" if KINDS[kind].layout == "letter" else "center")  # 信函: 顶格居右


def test_urging_is_a_letter_without_page_number_on_page_one() -> None:
    pkg = Package.open(render_notice("urging", sample_context("urging", code="县改办函")))
    frames = [p.find("w:pPr/w:framePr", NS) for p in top_paragraphs(pkg) if p.find("w:pPr/w:framePr", NS) is not None]
    mark = frames[0]
    assert mark.get(q("w:vAnchor")) == "page" and abs(int(mark.get(q("w:y"))) - 1701) <= 2  # 30 mm from the edge
    assert int(frames[1].get(q("w:y"))) == round(277 * 56.6929)  # lower double rule 20 mm above the bottom
    assert pkg.body.find("w:sectPr/w:titlePg", NS) is not None
    assert "印发" not in text(pkg.body).split("抄送：")[-1]  # a 函 has no 印发 line
    body = next(p for p in top_paragraphs(pkg) if text(p).startswith("按照机构改革任务分工"))
    assert int(pval(body, "w:ind", "w:firstLine")) == 640  # 每个自然段左空二字


@pytest.mark.parametrize("kind", NOTICES)
def test_head_sequence_mark_number_rule_title_addressee(kind: str) -> None:
    pkg = Package.open(render_notice(kind, sample_context(kind, code=_number_code(kind))))
    paras = top_paragraphs(pkg)
    mark_at = next(i for i, p in enumerate(paras) if text(p))
    mark = paras[mark_at]
    assert pval(mark, "w:jc") == "center" and int(rval(runs(mark)[0], "w:sz")) >= 44
    spacer = paras[mark_at - 1]  # pushes the mark 35 mm below the 版心 top
    assert 1700 <= int(pval(spacer, "w:spacing", "w:line")) <= 2100
    assert all(is_blank(p) for p in paras[mark_at + 1 : mark_at + 3])
    number = paras[mark_at + 3]
    assert DOC_NUMBER_RE.match(text(number))
    rule = number.find("w:pPr/w:pBdr/w:bottom", NS)
    assert rule.get(q("w:val")) == "single" and rule.get(q("w:color")).upper() == "FF0000"
    assert int(rule.get(q("w:sz"))) >= 4 and 10 <= int(rule.get(q("w:space"))) <= 12
    assert int(pval(number, "w:ind", "w:left")) == int(pval(number, "w:ind", "w:right")) == 0
    assert all(is_blank(p) for p in paras[mark_at + 4 : mark_at + 6])
    title_at = mark_at + 6
    assert rval(runs(paras[title_at])[0], "w:sz") == "44"
    after_title = next(
        i for i in range(title_at, len(paras)) if not runs(paras[i]) or rval(runs(paras[i])[0], "w:sz") != "44"
    )
    assert is_blank(paras[after_title]) and not is_blank(paras[after_title + 1])
    addressee = paras[after_title + 1]
    assert text(addressee).endswith("：") and int(pval(addressee, "w:ind", "w:firstLine")) == 0
    first_body = paras[after_title + 2]
    assert pval(first_body, "w:jc") == "both" and int(pval(first_body, "w:ind", "w:firstLine")) == 640
    assert int(pval(first_body, "w:ind", "w:left")) == 0


@pytest.mark.parametrize("kind", NOTICES)
def test_signature_centred_over_date_right_4_chars(kind: str) -> None:
    pkg = Package.open(render_notice(kind, sample_context(kind, code=_number_code(kind))))
    paras = top_paragraphs(pkg)
    date_at = next(i for i, p in enumerate(paras) if CN_DATE_RE.match(text(p)))
    date, name = paras[date_at], paras[date_at - 1]
    assert text(name) == load_template(kind).signature
    assert pval(date, "w:jc") == pval(name, "w:jc") == "right"
    long_name = len(text(name)) > len(text(date)) + 4  # 署名 右空二字, date centred under it
    assert abs(int(pval(date if not long_name else name, "w:ind", "w:right")) - (640 if long_name else 1280)) <= 20

    def centre(p: object, width: float) -> float:
        return int(pval(p, "w:ind", "w:right")) + width * 320 / 2

    date_w = sum(0.5 if c.isascii() else 1 for c in text(date))
    name_w = sum(0.5 if c.isascii() else 1 for c in text(name))
    assert abs(centre(date, date_w) - centre(name, name_w)) <= 160
    assert "此页无正文" not in text(pkg.body)


@pytest.mark.parametrize("kind", NOTICES)
def test_imprint_rules_cc_and_printed_line(kind: str) -> None:
    pkg = Package.open(render_notice(kind, sample_context(kind, code=_number_code(kind))))
    lines = [p for p in top_paragraphs(pkg) if p.find("w:pPr/w:framePr", NS) is not None]
    cc, printed = lines[0], lines[-1]
    for p in lines:  # frames at the foot of the 版心: the 印发 line bottom-aligned, the others stacked above it
        frame = p.find("w:pPr/w:framePr", NS)
        assert frame.get(q("w:vAnchor")) == "margin" and int(frame.get(q("w:w"))) == 8844
    assert printed.find("w:pPr/w:framePr", NS).get(q("w:yAlign")) == "bottom"

    def rule(p: object, side: str) -> str | None:
        el = p.find(f"w:pPr/w:pBdr/w:{side}", NS)  # type: ignore[attr-defined]
        return None if el is None else el.get(q("w:sz"))

    assert (rule(cc, "top"), rule(printed, "top"), rule(printed, "bottom")) == ("8", "6", "8")  # 粗 / 细 / 粗
    assert text(cc).startswith("抄送：") and text(cc).endswith("。")
    left, hanging = int(pval(cc, "w:ind", "w:left")), int(pval(cc, "w:ind", "w:hanging"))
    assert left - hanging == 280 and int(pval(cc, "w:ind", "w:right")) == 280
    issued = text(printed)
    assert issued.endswith("印发") and int(pval(printed, "w:ind", "w:left")) == 280
    assert CN_DATE_RE.match(issued.split("\t")[1].removesuffix("印发"))
    tab = printed.find("w:pPr/w:tabs/w:tab", NS)
    assert tab.get(q("w:val")) == "right" and int(tab.get(q("w:pos"))) == 8844 - 280
    for p in lines:
        for r in runs(p):
            assert rval(r, "w:sz") == "28" and rval(r, "w:rFonts", "w:eastAsia") == "仿宋_GB2312"


@pytest.mark.parametrize("kind", ["issue-plan", "staff-transfer", "establishment", "bulletin"])
def test_attachments_on_new_pages_with_label_and_note(kind: str) -> None:
    pkg = Package.open(render_notice(kind, sample_context(kind, code=_number_code(kind))))
    paras = top_paragraphs(pkg)
    labels = [p for p in paras if re.fullmatch(r"附件\d*", text(p))]
    assert labels
    for p in labels:
        assert p.find("w:pPr/w:pageBreakBefore", NS) is not None
        assert rval(runs(p)[0], "w:rFonts", "w:eastAsia") == "黑体"
        at = paras.index(p)
        assert is_blank(paras[at + 1]) and rval(runs(paras[at + 2])[0], "w:sz") == "44"  # title on line 3
    note = next(p for p in paras if text(p).startswith("附件："))
    assert is_blank(paras[paras.index(note) - 1])
    assert int(pval(note, "w:ind", "w:left")) - int(pval(note, "w:ind", "w:hanging")) == 640


def test_heading_levels_use_heiti_and_kaiti() -> None:
    from models.documents import NoticeContext
    ctx = sample_context("urging", code="县改办函")
    ctx.extra_body = "一、总体要求。正文内容\n（一）工作目标。正文\n1.具体任务\n（1）细项"
    pkg = Package.open(render_notice("urging", ctx))
    fonts = {}
    for p in top_paragraphs(pkg):
        if runs(p):
            fonts[text(p)] = [rval(r, "w:rFonts", "w:eastAsia") for r in runs(p)]
    assert fonts["一、总体要求。正文内容"] == ["黑体", "仿宋_GB2312"]
    assert fonts["（一）工作目标。正文"] == ["楷体_GB2312", "仿宋_GB2312"]
    assert fonts["1.具体任务"] == ["仿宋_GB2312"] and fonts["（1）细项"] == ["仿宋_GB2312"]
    assert isinstance(ctx, NoticeContext)


TABLE_KINDS = ["issue-plan", "staff-transfer", "establishment", "bulletin", "staff-roster", "asset-list",
               "archive-list"]


def _data_rows(table: object) -> list[object]:
    """The rows of a list's table without the full-width rows after 合计 (its note and 签章 blocks)."""
    return [tr for tr in table.findall("w:tr", NS) if tr.find("w:tc/w:tcPr/w:gridSpan", NS) is None]


@pytest.mark.parametrize("kind", TABLE_KINDS)
def test_tables_repeat_header_and_end_with_totals(kind: str) -> None:
    pkg = Package.open(render_notice(kind, sample_context(kind, code=_number_code(kind))))
    tables = [t for t in pkg.body.iter(q("w:tbl")) if t.find("w:tblPr/w:tblpPr", NS) is None]
    data_tables = [t for t in tables if t.find("w:tr/w:trPr/w:tblHeader", NS) is not None]
    assert data_tables
    for t in data_tables:
        rows = _data_rows(t)
        assert text(rows[-1].find("w:tc", NS)) == "合计"
        cells = [r for row in rows for r in runs(row)]
        sizes = {rval(r, "w:sz") for r in cells}  # 四号/小四, or 五号 for a table whose codes, amounts and
        assert len(sizes) == 1 and sizes <= {"21", "24", "28"}  # short names would not fit whole at 小四
        for r in cells:
            assert rval(r, "w:rFonts", "w:eastAsia") in ("仿宋_GB2312", "黑体")
        for row in rows[1:-1]:
            assert all(rval(r, "w:rFonts", "w:eastAsia") == "仿宋_GB2312" for r in runs(row))


def _totals_row(kind: str, ctx: object) -> list[str]:
    pkg = Package.open(render_notice(kind, ctx))
    table = next(t for t in pkg.body.iter(q("w:tbl")) if t.find("w:tr/w:trPr/w:tblHeader", NS) is not None)
    return [text(tc) for tc in _data_rows(table)[-1].findall("w:tc", NS)]


def test_asset_totals_are_computed_from_items() -> None:
    ctx = sample_context("asset-list", items=5)
    items = ctx.data["handover"]["items"]
    cells = _totals_row("asset-list", ctx)
    assert cells[1] == "5项"
    assert cells[4] == str(sum(int(i["quantity"]) for i in items))
    assert Decimal(cells[6].replace(",", "")) == sum(Decimal(i["original_value"]) for i in items)
    assert Decimal(cells[7].replace(",", "")) == sum(Decimal(i["net_value"]) for i in items)
    assert re.fullmatch(r"\d{1,3}(,\d{3})*\.\d\d", cells[6])  # thousands separators, two decimals


def test_archive_and_staff_totals() -> None:
    ctx = sample_context("archive-list", items=4)
    assert _totals_row("archive-list", ctx)[5] == str(sum(int(i["count"]) for i in ctx.data["handover"]["items"]))
    ctx = sample_context("staff-roster", items=6)
    staff = _totals_row("staff-roster", ctx)
    assert staff[1] == "6人"
    assert "其中：行政编制2名、参公2名、事业编制2名。" in text(Package.open(render_notice("staff-roster", ctx)).body)


def test_declared_total_mismatch_and_bad_numbers_are_noted() -> None:
    ctx = sample_context("asset-list", items=2)
    ctx.data["handover"]["declared_total"] = {"original_value": "1.00"}
    ctx.data["handover"]["items"][0]["net_value"] = "一百元"
    body = text(Package.open(render_notice("asset-list", ctx)).body)
    assert "与明细合计" in body and "第1项数值无法识别" in body and "一百元" in body


def test_parties_have_signature_seal_and_date_lines() -> None:
    for kind in ("handover-confirmation", "staff-roster", "asset-list", "archive-list"):
        body = text(Package.open(render_notice(kind, sample_context(kind))).body)
        for role in ("移交方", "接收方", "监督方"):
            assert f"{role}（盖章）：" in body
        assert body.count("签字：") == 3 and body.count("日期：") == 3
        assert "已在线确认：王明\n2026年11月18日" in body


def test_supervision_form_rows() -> None:
    pkg = Package.open(render_notice("supervision", sample_context("supervision", code="县改办督")))
    form = next(pkg.body.iter(q("w:tbl")))
    labels = [text(tr.find("w:tc", NS)) for tr in form.findall("w:tr", NS)]
    assert labels == ["督办事项", "承办单位", "办结时限", "当前进展", "办理要求", "反馈方式", "督办部门"]
    body = text(pkg.body)
    flat = body.replace("\n", "")  # long cells carry their own line breaks (between tokens)
    assert "2026年11月28日（原定完成时限：2026年9月30日）" in flat and "在办结时限前办结" in flat
    receipt = list(pkg.body.iter(q("w:tbl")))[1]
    assert [text(tr.find("w:tc", NS)) for tr in receipt.findall("w:tr", NS)] == ["承办单位", "签收人", "签收时间", "联系电话"]
    assert "回　执" in body


def test_bulletin_embeds_the_chart() -> None:
    pkg = Package.open(render_notice("bulletin", sample_context("bulletin", code="县改办发")))
    pngs = [n for n in pkg.parts if n.startswith("word/media/")]
    assert len(pngs) == 1 and pkg.parts[pngs[0]].startswith(b"\x89PNG")
    assert pkg.body.find(".//w:drawing", NS) is not None


def test_preview_number_is_not_a_real_number() -> None:
    ctx = sample_context("staff-transfer", preview=True)
    pkg = Package.open(render_notice("staff-transfer", ctx))
    numbers = [text(p) for p in top_paragraphs(pkg) if "〔2026〕" in text(p)]
    assert numbers == ["县编办发〔2026〕×号（预览）"] and not DOC_NUMBER_RE.match(numbers[0])


def test_only_the_heading_phrase_of_an_item_is_heiti() -> None:
    ctx = sample_context("staff-transfer", code="县编办发")
    ctx.extra_body = "二、人员划转后编制随人划转机构编制实名制信息由县委编办统一调整工资和社会保险关系按规定办理。"
    paras = {text(p): p for p in top_paragraphs(Package.open(render_notice("staff-transfer", ctx)))}
    fonts = {t: [(text(r), rval(r, "w:rFonts", "w:eastAsia")) for r in runs(p)] for t, p in paras.items()}
    item = next(v for k, v in fonts.items() if k.startswith("一、做好人员交接。"))
    assert item[0] == ("一、做好人员交接。", "黑体") and item[1][1] == "仿宋_GB2312"
    sentence = next(v for k, v in fonts.items() if k.startswith("二、人员划转后编制随人"))
    assert sentence[0] == ("二、", "黑体") and sentence[1][1] == "仿宋_GB2312"  # one long sentence: number only


def _picture_content(redraw: object = None, lowest: float = 120) -> object:
    from models.documents.layout import Content, Image, Text

    body = "各单位要按照改革任务分工抓好落实，切实加强组织领导，压实工作责任，细化工作措施。" * 2
    blocks = [Text(body), Image(b"png", 150, 200, "图", redraw=redraw, min_height_mm=lowest), Text("二、红黑榜"),
              Text(body * 3), Text("四、下步要求"), Text(body), Text("各单位要抓好落实。")]
    return Content("notice", "关于全县改革任务推进情况的通报", "县改办发〔2026〕12号", "2026年11月21日",
                   mark="清河县城市管理体制改革工作领导小组办公室文件", signature="清河县城市管理体制改革工作领导小组办公室",
                   recipients=["各镇人民政府"], blocks=blocks)


def test_a_picture_that_does_not_fit_lets_the_next_section_flow_before_it() -> None:
    from models.documents.layout import Image, Text, fit_first_page, fit_images

    content = _picture_content()
    fitted = fit_images(content, fit_first_page(content))
    kinds = [type(b).__name__ for b in fitted.blocks]
    assert kinds.index("Image") == 3  # after 二、 and its paragraph, before the next heading
    assert [b.text for b in fitted.blocks if isinstance(b, Text)] == [b.text for b in content.blocks
                                                                      if isinstance(b, Text)]
    assert isinstance(fitted.blocks[-1], Text) and not isinstance(fitted.blocks[3 - 1], Image)
    assert all(isinstance(b, Image) and b.height_mm == 200 for b in fitted.blocks if isinstance(b, Image))


def test_a_picture_is_drawn_lower_to_fit_the_room_left_within_its_limit() -> None:
    from models.documents.layout import Image, fit_first_page, fit_images

    heights: list[float] = []
    content = _picture_content(lambda h: heights.append(h) or b"low", lowest=60)
    fitted = fit_images(content, fit_first_page(content))
    image = next(b for b in fitted.blocks if isinstance(b, Image))
    assert fitted.blocks.index(image) == 1 and image.png == b"low" and heights == [image.height_mm]
    assert 60 <= image.height_mm < 200
