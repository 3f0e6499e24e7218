"""文号, dates, sanitising, title splitting, templates and hostile user text."""

from __future__ import annotations

import io
import shutil
from datetime import date
from pathlib import Path

import pytest
from docx import Document
from docx_readback import Package, text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.demo.notice_samples import sample_context, sample_data
from models.documents import (
    DOC_NUMBER_RE,
    KINDS,
    NoticeContext,
    format_doc_number,
    load_template,
    notice_title,
    render_notice,
    sanitize,
)
from models.documents.layout import split_title
from models.documents.templates import TEMPLATES_DIR
from models.documents.text import CN_DATE_RE, char_width, cn_date


def test_format_doc_number() -> None:
    assert format_doc_number("县编办发", 2026, 12) == "县编办发〔2026〕12号"
    assert DOC_NUMBER_RE.match(format_doc_number("国发", 1999, 1))


@pytest.mark.parametrize("code,year,seq", [("县编办发", 2026, 0), ("县编办发", 26, 1), ("XB发", 2026, 1),
                                           ("", 2026, 1), ("县编办发", 2026, -3), ("县编办发第", 2026, 1),
                                           ("县编办发", 2100, 1), ("县编办发", 2026, True)])
def test_format_doc_number_rejects(code: str, year: int, seq: int) -> None:
    with pytest.raises(ValueError):
        format_doc_number(code, year, seq)


@pytest.mark.parametrize("bad", ["县编办发〔2026〕012号", "县编办发[2026]12号", "县编办发〔2026〕第12号",
                                 "县编办发（2026）12号", "县编办发〔26〕12号", "〔2026〕12号"])
def test_doc_number_regex_rejects(bad: str) -> None:
    assert not DOC_NUMBER_RE.match(bad)


def test_cn_date_has_no_leading_zeros() -> None:
    assert cn_date(date(2026, 1, 5)) == "2026年1月5日" and cn_date("2026-11-21T08:00:00") == "2026年11月21日"
    assert CN_DATE_RE.match(cn_date(date(2026, 12, 31)))


def test_sanitize_strips_xml_invalid_characters() -> None:
    assert sanitize("a\x00b\x1fc\ud800d\ufffe\tx\r\ny\rz") == "abcd\tx\ny\nz"


def test_split_title_keeps_book_titles_whole_and_lines_short() -> None:
    title = "关于印发《清河县城市管理综合行政执法体制改革实施方案（2026—2028年）》的通知"
    lines = split_title(title)
    assert "".join(lines) == title and all(char_width(line) <= 20 for line in lines)
    assert char_width(lines[0]) <= char_width(lines[-1])  # 梯形：上短下长
    assert not any(line.endswith("《") or line.startswith("》") for line in lines)


def test_every_kind_has_a_loadable_template() -> None:
    for kind in KINDS:
        tpl = load_template(kind)
        assert tpl.title and tpl.code and tpl.mark.endswith("文件")
        assert notice_title(kind, sample_context(kind), tpl)


def test_office_edits_templates_without_code(tmp_path: Path) -> None:
    folder = tmp_path / "notices"
    shutil.copytree(TEMPLATES_DIR / "notices", folder)
    path = folder / "urging.toml"
    path.write_text(path.read_text(encoding="utf-8").replace("催办函", "提醒函"), encoding="utf-8")
    agency = folder / "_agency.toml"
    agency.write_text(agency.read_text(encoding="utf-8").replace("清河县", "青山县"), encoding="utf-8")
    tpl = load_template("urging", tmp_path)
    ctx = sample_context("urging")
    assert notice_title("urging", ctx, tpl).endswith("提醒函")
    body = text(Package.open(render_notice("urging", ctx, tpl)).body)
    assert "青山县城市管理体制改革工作领导小组办公室" in body and "提醒函" in body  # a 函 has no “文件”


def test_template_errors_are_explicit(tmp_path: Path) -> None:
    folder = tmp_path / "notices"
    shutil.copytree(TEMPLATES_DIR / "notices", folder)
    (folder / "urging.toml").write_text('agency = "nobody"\ntitle = "x"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="unknown agency"):
        load_template("urging", tmp_path)
    with pytest.raises(ValueError, match="unknown notice kind"):
        load_template("memo")


def test_recipient_and_cc_overrides() -> None:
    ctx = sample_context("issue-plan")
    ctx.recipients, ctx.cc = ["县城市管理局"], ["县财政局", "县审计局"]
    body = text(Package.open(render_notice("issue-plan", ctx)).body)
    assert "\n县城市管理局：\n" in body and "抄送：县财政局，县审计局。" in body


HOSTILE = st.sampled_from(["<w:p>", "&amp;", "]]>", "{{ x }}", "{% if %}", "$plan_title", "${x}", "$$",
                           "\x00", "\x0b", "\ud800", "\udfff", "\ufffe", "\t", "\n", "\r", " ", "〔〕", "《", "》"])
USER_TEXT = st.lists(st.one_of(HOSTILE, st.text(max_size=12)), max_size=6).map("".join)


def _fill_strings(value: object, draw_text: st.DrawFn) -> object:
    """Replace every string in the sample data with drawn text (keys unchanged)."""
    if isinstance(value, dict):
        return {k: _fill_strings(v, draw_text) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill_strings(v, draw_text) for v in value]
    if isinstance(value, str):
        return draw_text(USER_TEXT)
    return value


def _flat(value: object) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _flat(v)]
    if isinstance(value, list):
        return [s for v in value for s in _flat(v)]
    return [value] if isinstance(value, str) else []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(sorted(k for k in KINDS if k != "bulletin")), data=st.data())
def test_arbitrary_user_text_never_breaks_a_notice(kind: str, data: st.DataObject) -> None:
    raw = _fill_strings(sample_data(kind, items=2), data.draw)
    extra = data.draw(USER_TEXT)
    ctx = NoticeContext(doc_number=None, issue_date=date(2026, 11, 21), data=raw, extra_body=extra,
                        cc=[data.draw(USER_TEXT)])
    blob = render_notice(kind, ctx)
    Document(io.BytesIO(blob))  # re-opens
    visible = text(Package.open(blob).body).replace("\n", "")
    shown = [extra, *ctx.cc] if KINDS[kind].layout == "notice" else [extra]  # forms/lists have no 版记
    for field in shown:
        clean = sanitize(field).replace("\n", "")
        assert clean in visible
    title = notice_title(kind, ctx).replace("\n", "")
    assert title in visible


@settings(max_examples=10, deadline=None)
@given(unit=USER_TEXT, label=USER_TEXT)
def test_arbitrary_text_in_the_bulletin(unit: str, label: str) -> None:
    raw = sample_data("bulletin")
    raw["units"][0]["unit"] = unit
    raw["period"]["label"] = label
    raw["red_list"] = [unit]
    blob = render_notice("bulletin", NoticeContext(None, date(2026, 11, 21), raw))
    visible = text(Package.open(blob).body).replace("\n", "")
    assert sanitize(unit).replace("\n", "") in visible


def test_long_titles_keep_body_on_page_one_or_warn_before_issuing() -> None:
    from models.documents import draft

    ctx = sample_context("issue-plan")
    ctx.data["plan"]["title"] = "深化城市管理体制改革推进综合行政执法" * 11  # ≈ 200 字
    fitted = draft("issue-plan", ctx)
    assert fitted.findings.warnings == [] and any("主送机关已按" in n for n in fitted.findings.notes)
    ctx.data["plan"]["title"] = "深化城市管理体制改革推进综合行政执法" * 16  # ≈ 300 字: cannot fit
    assert any("首页无法显示正文" in w for w in draft("issue-plan", ctx).findings.warnings)
