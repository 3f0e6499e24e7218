"""The prepared base package (page setup, styles, footers) and fast assembly of a notice.

The base is built once per process with python-docx and kept as a dict of part bytes; a notice
only replaces ``word/document.xml`` (and adds chart images), so styles are never rebuilt.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from functools import lru_cache

import docx
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Twips

from models.documents.ooxml import (
    FANGSONG,
    HEITI,
    KAITI,
    LINE_PITCH,
    PAGE_NUMBER,
    SIZE_3,
    SONGTI,
    XIAOBIAOSONG,
    Para,
    page_field,
    paragraph,
    run,
)

PAGE_W, PAGE_H = 11906, 16838  # A4
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = 2098, 1984, 1588, 1474  # 37/35/28/26 mm
FOOTER_DISTANCE = 1400  # ≈24.7 mm: puts the 一字线 about 7 mm under the 版心
PAGE_NUMBER_INDENT = 280  # 一字 at 4号

_DOCUMENT = "word/document.xml"
_RELS = "word/_rels/document.xml.rels"
_THEME_FONT_ATTR = re.compile(rb' w:\w*[Tt]heme="[^"]*"')
_JAPANESE_THEME_FONT = re.compile(rb'<a:font script="Jpan"[^>]*/>')
_IMAGE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"


@dataclass(frozen=True)
class BasePackage:
    parts: dict[str, bytes]
    head: str  # document.xml up to and including <w:body>
    tail: str  # sectPr + closing tags
    rels: str


def _footer_xml(align: str, left: int, right: int) -> str:
    text = run("— ", PAGE_NUMBER) + page_field(PAGE_NUMBER) + run(" —", PAGE_NUMBER)
    return paragraph(text, Para(align=align, left=left, right=right, line=None, mark_font=PAGE_NUMBER))


def _fill_footer(footer: docx.section._Footer, align: str, left: int, right: int) -> None:
    footer.is_linked_to_previous = False
    element = footer._element
    for child in list(element):
        element.remove(child)
    element.append(parse_xml(f"<w:root {nsdecls('w')}>{_footer_xml(align, left, right)}</w:root>")[0])


def _set_fonts(rpr: docx.oxml.xmlchemy.BaseOxmlElement, size: int) -> None:
    """Explicit CJK fonts on a style/docDefaults rPr, removing theme fonts (MS Mincho fallback)."""
    for tag in ("w:rFonts", "w:sz", "w:szCs", "w:lang"):
        for old in rpr.findall(qn(tag)):
            rpr.remove(old)
    rpr.insert(
        0,
        parse_xml(
            f'<w:rFonts {nsdecls("w")} w:ascii="{FANGSONG}" w:hAnsi="{FANGSONG}"'
            f' w:eastAsia="{FANGSONG}" w:cs="{FANGSONG}" w:hint="eastAsia"/>'
        ),
    )
    rpr.append(parse_xml(f'<w:sz {nsdecls("w")} w:val="{size}"/>'))
    rpr.append(parse_xml(f'<w:szCs {nsdecls("w")} w:val="{size}"/>'))
    rpr.append(parse_xml(f'<w:lang {nsdecls("w")} w:val="en-US" w:eastAsia="zh-CN"/>'))


def build_base_docx() -> bytes:
    """Create the base document: A4, GB/T 9704 margins, 22-line grid, odd/even page numbers."""
    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = Twips(PAGE_W), Twips(PAGE_H)
    section.top_margin, section.bottom_margin = Twips(MARGIN_TOP), Twips(MARGIN_BOTTOM)
    section.left_margin, section.right_margin = Twips(MARGIN_LEFT), Twips(MARGIN_RIGHT)
    section.footer_distance, section.header_distance = Twips(FOOTER_DISTANCE), Twips(851)
    section.gutter = Twips(0)
    sect_pr = section._sectPr
    for grid in sect_pr.findall(qn("w:docGrid")):
        sect_pr.remove(grid)
    sect_pr.append(parse_xml(f'<w:docGrid {nsdecls("w")} w:type="lines" w:linePitch="{LINE_PITCH}"/>'))

    document.settings.odd_and_even_pages_header_footer = True
    _fill_footer(section.footer, "right", 0, PAGE_NUMBER_INDENT)
    _fill_footer(section.even_page_footer, "left", PAGE_NUMBER_INDENT, 0)

    styles = document.styles.element
    defaults_rpr = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_fonts(defaults_rpr, SIZE_3)
    normal = document.styles["Normal"]
    _set_fonts(normal.element.get_or_add_rPr(), SIZE_3)
    normal_ppr = normal.element.get_or_add_pPr()
    # No automatic space between CJK and Latin/digits (Word adds it by default, LibreOffice by its own rule):
    # off in both, lines hold the same characters and the closing-page estimate counts them the same way.
    for tag in ("autoSpaceDE", "autoSpaceDN", "snapToGrid"):
        normal_ppr.append(parse_xml(f'<w:{tag} {nsdecls("w")} w:val="0"/>'))
    pf = normal.paragraph_format
    pf.space_before = pf.space_after = Twips(0)
    pf.line_spacing = Twips(LINE_PITCH)  # python-docx writes lineRule=exact for a Length
    pf.widow_control = True  # explicit: the closing-page estimate (fitting.py) assumes the two-line rule

    body = document.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    document.core_properties.author = "Reform Tracker"
    document.core_properties.comments = ""
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _font_table() -> bytes:
    """Declare the standard fonts as GB2312 (charset 86) so Word substitutes Chinese faces."""
    fonts = "".join(
        f'<w:font w:name="{name}"><w:charset w:val="86"/><w:family w:val="{family}"/></w:font>'
        for name, family in ((FANGSONG, "modern"), (XIAOBIAOSONG, "roman"), (HEITI, "modern"),
                             (KAITI, "modern"), (SONGTI, "roman"))
    )
    return (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
        f'<w:fonts {nsdecls("w")}>{fonts}</w:fonts>'
    ).encode()


def _drop_part(parts: dict[str, bytes], name: str) -> None:
    """Remove a part with its content-type override and relationship."""
    del parts[name]
    target = name.rsplit("/", 1)[-1].encode()
    for rels in ("_rels/.rels", _RELS):
        parts[rels] = re.sub(rb"<Relationship [^>]*" + re.escape(target) + rb"[^>]*/>", b"", parts[rels])
    parts["[Content_Types].xml"] = re.sub(
        rb"<Override [^>]*" + re.escape(b"/" + name.encode()) + rb"[^>]*/>", b"", parts["[Content_Types].xml"]
    )


@lru_cache(maxsize=1)
def base_package() -> BasePackage:
    with zipfile.ZipFile(io.BytesIO(build_base_docx())) as zf:
        parts = {name: zf.read(name) for name in zf.namelist()}
    _drop_part(parts, "docProps/thumbnail.jpeg")
    ct = parts["[Content_Types].xml"].decode()
    if 'Extension="png"' not in ct:
        ct = ct.replace("</Types>", '<Default Extension="png" ContentType="image/png"/></Types>')
    parts["[Content_Types].xml"] = ct.encode()
    # No style may resolve to a theme font: the template's theme maps East Asian text to MS Mincho.
    parts["word/styles.xml"] = _THEME_FONT_ATTR.sub(b"", parts["word/styles.xml"])
    parts["word/theme/theme1.xml"] = _JAPANESE_THEME_FONT.sub(b"", parts["word/theme/theme1.xml"])
    _drop_part(parts, "word/stylesWithEffects.xml")
    parts["word/fontTable.xml"] = _font_table()
    # Word 2013+ layout rules (the template says Word 2010, which Word opens in compatibility mode), and
    # East Asian text is Chinese, not Japanese, for Word's font and line-breaking defaults.
    settings = parts["word/settings.xml"].decode()
    settings = re.sub(r'(w:name="compatibilityMode" w:uri="[^"]+" w:val=")\d+"', r'\g<1>15"', settings)
    parts["word/settings.xml"] = settings.replace('w:eastAsia="ja-JP"', 'w:eastAsia="zh-CN"').encode()
    document = parts[_DOCUMENT].decode()
    body_at = document.index("<w:body>") + len("<w:body>")
    sect_at = document.index("<w:sectPr", body_at)
    return BasePackage(parts, document[:body_at], document[sect_at:], parts[_RELS].decode())


def assemble(body_xml: str, images: list[bytes], *, title_page: bool = False) -> bytes:
    """Write a .docx: the cached base parts with a new document body and image parts.

    ``title_page`` gives page 1 its own (empty) footer: the 信函 format shows no page number there.
    """
    base = base_package()
    tail = base.tail.replace("<w:docGrid", "<w:titlePg/><w:docGrid", 1) if title_page else base.tail
    out = io.BytesIO()
    rels = base.rels
    if images:
        extra = "".join(
            f'<Relationship Id="rIdImg{i}" Type="{_IMAGE_REL}" Target="media/chart{i}.png"/>'
            for i in range(1, len(images) + 1)
        )
        rels = rels.replace("</Relationships>", extra + "</Relationships>")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, data in base.parts.items():
            if name == _DOCUMENT:
                zf.writestr(name, (base.head + body_xml + tail).encode())
            elif name == _RELS:
                zf.writestr(name, rels.encode())
            else:
                zf.writestr(name, data)
        for i, png in enumerate(images, 1):
            zf.writestr(f"word/media/chart{i}.png", png, compress_type=zipfile.ZIP_STORED)
    return out.getvalue()
