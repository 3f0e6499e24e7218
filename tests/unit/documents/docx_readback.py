"""Read a generated .docx back (lxml over the package parts) for layout assertions."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from functools import cached_property

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def q(tag: str) -> str:
    prefix, name = tag.split(":")
    return f"{{{NS[prefix]}}}{name}"


@dataclass
class Package:
    parts: dict[str, bytes]

    @classmethod
    def open(cls, data: bytes) -> Package:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return cls({n: zf.read(n) for n in zf.namelist()})

    def xml(self, name: str) -> etree._Element:
        return etree.fromstring(self.parts[name])

    @cached_property
    def body(self) -> etree._Element:
        return self.xml("word/document.xml").find(q("w:body"))

    def footer(self, kind: str) -> etree._Element:
        doc = self.xml("word/document.xml")
        rels = self.xml("word/_rels/document.xml.rels")
        ref = doc.find(f".//w:sectPr/w:footerReference[@w:type='{kind}']", NS)
        rid = ref.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id")
        target = next(r.get("Target") for r in rels if r.get("Id") == rid)
        return self.xml(f"word/{target}")


def text(el: etree._Element) -> str:
    """Visible text of an element: w:t, with w:br as LF and w:tab as TAB; paragraphs joined by LF."""
    paras = list(el.iter(q("w:p"))) or [el]
    out = []
    for p in paras:
        chunks = []
        for node in p.iter(q("w:t"), q("w:br"), q("w:tab"), q("w:instrText")):
            if node.tag == q("w:t"):
                chunks.append(node.text or "")
            elif node.tag == q("w:br"):
                chunks.append("\n")
            elif node.tag == q("w:tab") and node.getparent().tag == q("w:r"):
                chunks.append("\t")
        out.append("".join(chunks))
    return "\n".join(out)


def top_paragraphs(pkg: Package) -> list[etree._Element]:
    return [c for c in pkg.body if c.tag == q("w:p")]


def runs(el: etree._Element) -> list[etree._Element]:
    return [r for r in el.iter(q("w:r")) if r.find(q("w:t")) is not None]


def rval(run: etree._Element, path: str, attr: str = "w:val") -> str | None:
    node = run.find(f"w:rPr/{path}", NS)
    return None if node is None else node.get(q(attr))


def pval(p: etree._Element, path: str, attr: str = "w:val") -> str | None:
    node = p.find(f"w:pPr/{path}", NS)
    return None if node is None else node.get(q(attr))


def is_blank(p: etree._Element) -> bool:
    return p.tag == q("w:p") and not text(p) and p.find(".//w:drawing", NS) is None
