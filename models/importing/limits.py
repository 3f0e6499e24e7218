"""Size limits of a plan's *structure*, checked by streaming its XML before openpyxl or python-docx build
their object models.

A few kilobytes can describe an enormous model: one cell at ``XFD1048576`` makes openpyxl iterate
17 billion positions, a merge over the whole grid makes it create a ``MergedCell`` for each, and
``gridSpan w:val="50000000"`` makes a table row fifty million cells wide. These counts are cheap to
read from the XML (a streaming parse, elements cleared as they end) and no real 实施方案 comes near them.
"""
from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator

from defusedxml.ElementTree import iterparse

from models.importing.model import ImportRejected

MAX_ROWS = 100_000          # rows of one sheet
MAX_COLUMNS = 1_000         # columns of one sheet
MAX_GRID_CELLS = 5_000_000  # rows × columns of one sheet (openpyxl iterates the whole rectangle)
MAX_MERGED_CELLS = 1_000_000
MAX_GRID_SPAN = 64          # Word allows 63 columns
MAX_TABLE_CELLS = 200_000
MAX_PARAGRAPHS = 200_000    # paragraphs (and so headings) of one document
MAX_LIST_LEVEL = 8          # w:ilvl 0–8
MAX_LIST_START = 10_000

_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")


def check_structure(data: bytes, kind: str) -> None:
    """Raise ImportRejected when the workbook or document describes more than the limits allow."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        if kind == "xlsx":
            for name in archive.namelist():
                if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                    _check_sheet(archive, name)
        elif kind == "docx":
            _check_document(archive)
            if "word/numbering.xml" in archive.namelist():
                _check_numbering(archive)


def _elements(archive: zipfile.ZipFile, name: str) -> Iterator[tuple[str, dict[str, str]]]:
    """(local tag name, attributes with local names) of every element, in document order."""
    with archive.open(name) as stream:
        for event, element in iterparse(stream, events=("start", "end"), forbid_dtd=True):
            if event == "end":
                element.clear()
                continue
            yield element.tag.rsplit("}", 1)[-1], {k.rsplit("}", 1)[-1]: v for k, v in element.attrib.items()}


def _cell(ref: str) -> tuple[int, int]:
    match = _REF.match(ref)
    if match is None:
        raise ImportRejected(f"表格结构异常（无效的单元格引用“{ref[:20]}”），已拒绝")
    column = 0
    for letter in match.group(1).upper():
        column = column * 26 + ord(letter) - 64
    return int(match.group(2)), column


def _too_big(what: str) -> ImportRejected:
    return ImportRejected(f"表格过大或结构异常（{what}），疑似构造的文件，已拒绝；请删除多余的行列后再导入")


def _check_sheet(archive: zipfile.ZipFile, name: str) -> None:
    max_row = max_col = merged = 0
    row = 0
    for tag, attrs in _elements(archive, name):
        if tag == "row":
            row = int(attrs["r"]) if attrs.get("r", "").isdigit() else row + 1
            max_row = max(max_row, row)
        elif tag == "c" and "r" in attrs:
            r, c = _cell(attrs["r"])
            max_row, max_col = max(max_row, r), max(max_col, c)
        elif tag == "mergeCell" and "ref" in attrs:
            first, _, last = attrs["ref"].partition(":")
            (r1, c1), (r2, c2) = _cell(first), _cell(last or first)
            merged += (abs(r2 - r1) + 1) * (abs(c2 - c1) + 1)
            max_row, max_col = max(max_row, r1, r2), max(max_col, c1, c2)
            if merged > MAX_MERGED_CELLS:
                raise _too_big(f"合并单元格超过 {MAX_MERGED_CELLS:,} 个")
        if max_row > MAX_ROWS:
            raise _too_big(f"超过 {MAX_ROWS:,} 行")
        if max_col > MAX_COLUMNS:
            raise _too_big(f"超过 {MAX_COLUMNS:,} 列")
    if max_row * max_col > MAX_GRID_CELLS:
        raise _too_big(f"行数 × 列数超过 {MAX_GRID_CELLS:,}")


def _check_document(archive: zipfile.ZipFile) -> None:
    paragraphs = cells = 0
    body = False
    for tag, attrs in _elements(archive, "word/document.xml"):
        if tag == "body":
            body = True
        elif tag == "p":
            paragraphs += 1
            if paragraphs > MAX_PARAGRAPHS:
                raise ImportRejected(f"文档段落超过 {MAX_PARAGRAPHS:,} 个，疑似构造的文件，已拒绝")
        elif tag == "tc":
            cells += 1
            if cells > MAX_TABLE_CELLS:
                raise ImportRejected(f"文档中的表格单元格超过 {MAX_TABLE_CELLS:,} 个，已拒绝")
        elif tag == "gridSpan" and not _int_at_most(attrs.get("val", "1"), MAX_GRID_SPAN):
            raise ImportRejected(f"文档表格结构异常（单元格跨越超过 {MAX_GRID_SPAN} 列），已拒绝")
        elif tag == "ilvl" and not _int_at_most(attrs.get("val", "0"), MAX_LIST_LEVEL):
            raise ImportRejected("文档编号结构异常（编号级别超出 0–8），已拒绝")
    if not body:
        raise ImportRejected("文档没有正文部分（document.xml 缺少 w:body），文件已损坏")


def _check_numbering(archive: zipfile.ZipFile) -> None:
    for tag, attrs in _elements(archive, "word/numbering.xml"):
        if tag == "lvl" and not _int_at_most(attrs.get("ilvl", "0"), MAX_LIST_LEVEL):
            raise ImportRejected("文档编号定义异常（编号级别超出 0–8），已拒绝")
        if tag == "start" and not _int_at_most(attrs.get("val", "1"), MAX_LIST_START):
            raise ImportRejected("文档编号定义异常（起始编号过大），已拒绝")


def _int_at_most(value: str, limit: int) -> bool:
    return value.strip().isdigit() and int(value) <= limit
