"""Upload checks shared by plan import and evidence uploads: the whole structure, not only the prolog.

The kind of a file is decided by its content, never by its extension, and then the file must *be*
that kind from its first byte to its last: a PDF ends at its last ``%%EOF``, a PNG at ``IEND``, a JPEG
at ``EOI``, a zip at its end-of-central-directory record — anything appended (a ZIP, an HTML page, a
PE) is a polyglot and is refused. Zip entries are checked on the central directory before anything is
decompressed (count, total, ratio, paths, encryption), then every member is read in full (CRC checked)
with a hard cap on what it may expand to, and every XML part is parsed to its end with defusedxml
(DTDs and entities refused). Text is decoded whole. Any failure of the libraries on a damaged file
becomes a Chinese message: this module never lets an exception other than ``UploadRejected`` out.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterable
from typing import IO
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

MAX_ZIP_ENTRIES = 2000
MAX_ZIP_TOTAL = 200 * 1024 * 1024
MAX_ZIP_RATIO = 100
MAX_XML_PART = 32 * 1024 * 1024  # one XML part, uncompressed (a 300-page plan is a few MB)
RATIO_CHECK_FROM = 1024 * 1024  # small entries compress well (XML of empty sheets) and are harmless

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_EXECUTABLE_MAGIC = (b"MZ", b"\x7fELF", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf",
                     b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe")
_SIMPLE_MAGIC = (
    (b"%PDF-", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
)
_OOXML_MAIN_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml", "pptx": "ppt/presentation.xml"}
_OOXML_MAIN_TYPE = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
}
_KIND_LABEL = {"docx": "Word 文档（.docx）", "xlsx": "Excel 表格（.xlsx）", "txt": "文本文件（.txt）",
               "pdf": "PDF 文件", "png": "PNG 图片", "jpg": "JPEG 图片", "gif": "GIF 图片",
               "pptx": "PowerPoint 文档（.pptx）", "zip": "压缩包"}
_MARKUP = re.compile(rb"<\s*(?:html|svg|script|iframe|object|embed|body|!doctype|\?xml)\b", re.I)
_EOCD = b"PK\x05\x06"
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, ValueError, EOFError, OSError, NotImplementedError,
               RuntimeError, struct.error, KeyError)

_UNKNOWN = "无法识别的文件类型"
_DAMAGED = "文件已损坏（压缩数据无效或文件不完整）"
_APPENDED = "文件结构异常：{label}之后还附加了其他内容（疑似伪装的多重格式文件），已拒绝"


class UploadRejected(Exception):
    """The upload is refused; ``message`` is shown to the user (Chinese)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def check_upload(data: bytes, filename: str, *, allowed: set[str], max_bytes: int,
                 max_xml_part: int = MAX_XML_PART) -> str:
    """Return the detected kind of ``data`` or raise :class:`UploadRejected` (and nothing else)."""
    if len(data) == 0:
        raise UploadRejected("文件为空")
    if len(data) > max_bytes:
        raise UploadRejected(f"文件超过 {_format_size(max_bytes)} 上限")
    claimed = _kind_from_extension(filename)
    try:
        kind = _sniff(data)
        if claimed in _KIND_LABEL and claimed != kind:
            raise UploadRejected(f"文件内容不是有效的 {_KIND_LABEL[claimed]}")
        _verify(data, kind, max_xml_part)
    except UploadRejected as exc:
        if claimed in _KIND_LABEL and exc.message == _UNKNOWN:
            raise UploadRejected(f"文件内容不是有效的 {_KIND_LABEL[claimed]}") from exc
        raise
    except MemoryError:
        raise
    except Exception as exc:  # a library failing on a crafted file is a damaged file, never a traceback
        raise UploadRejected("文件已损坏或结构异常，无法识别") from exc
    if kind not in allowed:
        wanted = "、".join(_KIND_LABEL.get(k, k) for k in sorted(allowed))
        raise UploadRejected(f"不支持的文件类型（{_KIND_LABEL.get(kind, kind)}），仅支持：{wanted}")
    return kind


def detect_kind(data: bytes, *, max_xml_part: int = MAX_XML_PART) -> str:
    """Kind by content and structure; raises UploadRejected for dangerous, disguised or unreadable content."""
    kind = _sniff(data)
    _verify(data, kind, max_xml_part)
    return kind


def _sniff(data: bytes) -> str:
    """The kind the first bytes claim (cheap); ``_verify`` then checks the file is that, whole."""
    if data.startswith(_OLE2):
        raise UploadRejected(
            "文件已加密（受密码保护）或为旧版 .doc/.xls 格式，请先解除保护并另存为 .docx/.xlsx 后再上传")
    if data.startswith(_EXECUTABLE_MAGIC):
        raise UploadRejected("文件是可执行程序（扩展名被改动），已拒绝")
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(data)
    for magic, kind in _SIMPLE_MAGIC:
        if data.startswith(magic):
            return kind
    if looks_like_text(data):
        return "txt"
    raise UploadRejected(_UNKNOWN)


def _verify(data: bytes, kind: str, max_xml_part: int) -> None:
    if kind in _STRUCTURE:
        _STRUCTURE[kind](data)
        _refuse_trailing_zip(data, kind)
    elif kind == "txt":
        if _MARKUP.search(data[:1024 * 1024]):
            raise UploadRejected("文本文件中含有网页或脚本标记（HTML/SVG/XML），已拒绝")
    else:
        _check_zip(data, kind, max_xml_part)


def looks_like_text(data: bytes) -> bool:
    """UTF-8/UTF-16 (BOM) or GB18030 text without binary control bytes; the whole file is decoded."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            return False
        return "\x00" not in text and _few_controls(text.encode("utf-8"))
    if b"\x00" in data:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return _few_controls(data)
    return False


_CONTROLS = bytes(b for b in range(32) if b < 9 or 13 < b < 32)


def _few_controls(data: bytes) -> bool:
    controls = len(data) - len(data.translate(None, _CONTROLS))
    return controls <= len(data) // 100


# ---------------------------------------------------------------- single-stream formats
def _check_pdf(data: bytes) -> None:
    end = data.rfind(b"%%EOF")
    if end < 0:
        raise UploadRejected("文件已损坏（PDF 文件不完整，缺少结束标记）")
    if data[end + 5:].strip(b"\r\n\t \x00"):
        raise UploadRejected(_APPENDED.format(label="PDF 结束标记"))


def _check_png(data: bytes) -> None:
    pos = 8
    while True:
        if pos + 12 > len(data):
            raise UploadRejected("文件已损坏（PNG 图片不完整）")
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 4:pos + 8 + length]
        if pos + 12 + length > len(data) or zlib.crc32(body) != struct.unpack(">I", data[pos + 8 + length:
                                                                                       pos + 12 + length])[0]:
            raise UploadRejected("文件已损坏（PNG 数据块校验失败）")
        pos += 12 + length
        if kind == b"IEND":
            break
    if data[pos:]:
        raise UploadRejected(_APPENDED.format(label="PNG 图片"))


def _check_jpeg(data: bytes) -> None:
    pos = 2
    while True:  # marker segments up to the start of scan; their lengths must be consistent
        if pos + 4 > len(data) or data[pos] != 0xFF:
            raise UploadRejected("文件已损坏（JPEG 图片结构无效）")
        marker = data[pos + 1]
        if marker == 0xFF:
            pos += 1
            continue
        if marker == 0xD9:
            raise UploadRejected("文件已损坏（JPEG 图片没有图像数据）")
        length = struct.unpack(">H", data[pos + 2:pos + 4])[0]
        if length < 2:
            raise UploadRejected("文件已损坏（JPEG 图片结构无效）")
        pos += 2 + length
        if marker == 0xDA:
            break
    if not data.rstrip(b"\x00").endswith(b"\xff\xd9"):
        raise UploadRejected(_APPENDED.format(label="JPEG 图片结束标记") if b"\xff\xd9" in data[pos:]
                             else "文件已损坏（JPEG 图片不完整）")


def _check_gif(data: bytes) -> None:
    if not data.endswith(b"\x3b"):
        raise UploadRejected(_APPENDED.format(label="GIF 图片") if b"\x00\x3b" in data else "文件已损坏（GIF 图片不完整）")


_STRUCTURE = {"pdf": _check_pdf, "png": _check_png, "jpg": _check_jpeg, "gif": _check_gif}


def _refuse_trailing_zip(data: bytes, kind: str) -> None:
    """A zip reader finds its directory from the end: an end record in the tail makes a polyglot."""
    if _EOCD in data[-(65536 + 22):]:
        raise UploadRejected(_APPENDED.format(label=_KIND_LABEL[kind]))


# ---------------------------------------------------------------- zip / OOXML
def _open_zip(data: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except _ZIP_ERRORS as exc:
        raise UploadRejected("文件已损坏（压缩结构无效或文件不完整）") from exc


def _zip_kind(data: bytes) -> str:
    """Kind from the central directory's names (nothing decompressed yet)."""
    with _open_zip(data) as archive:
        names = set(archive.namelist())
    if "[Content_Types].xml" not in names:
        return "zip"
    kind = next((k for k, part in _OOXML_MAIN_PART.items() if part in names), None)
    if kind is None:
        raise UploadRejected("文件不是可识别的 Office 文档（缺少主体部件）")
    return kind


def _check_zip(data: bytes, kind: str, max_xml_part: int) -> None:
    _check_zip_ends(data)
    with _open_zip(data) as archive:
        infos = archive.infolist()
        _check_entries(infos)
        _read_members(archive, infos, max_xml_part)
        if kind in _OOXML_MAIN_TYPE:
            _check_main_type(archive, kind)


def _check_zip_ends(data: bytes) -> None:
    """Nothing may follow the end-of-central-directory record (its comment included)."""
    end = data.rfind(_EOCD, max(0, len(data) - 65536 - 22))
    if end < 0 or end + 22 > len(data):
        raise UploadRejected("文件已损坏（压缩结构无效或文件不完整）")
    comment = struct.unpack("<H", data[end + 20:end + 22])[0]
    if end + 22 + comment != len(data):
        raise UploadRejected(_APPENDED.format(label="压缩包结尾"))


def _check_entries(infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_ZIP_ENTRIES:
        raise UploadRejected(f"压缩包内文件过多（超过 {MAX_ZIP_ENTRIES} 个），已拒绝")
    total = 0
    for info in infos:
        name = info.filename.replace("\\", "/")
        if name.startswith("/") or ".." in name.split("/") or (len(name) > 1 and name[1] == ":"):
            raise UploadRejected("压缩包含有非法路径（绝对路径或“..”），已拒绝")
        if info.flag_bits & 0x1:
            raise UploadRejected("文件已加密（受密码保护），请先解除保护")
        total += info.file_size
        if info.file_size >= RATIO_CHECK_FROM and info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1):
            raise UploadRejected("压缩包解压后过大，疑似压缩炸弹，已拒绝")
    if total > MAX_ZIP_TOTAL:
        raise UploadRejected("压缩包解压后过大，疑似压缩炸弹，已拒绝")


def _read_members(archive: zipfile.ZipFile, infos: Iterable[zipfile.ZipInfo], max_xml_part: int) -> None:
    """Read every member to its end (CRC checked); XML parts are parsed whole through defusedxml."""
    for info in infos:
        is_xml = info.filename.endswith((".xml", ".rels"))
        if is_xml and info.file_size > max_xml_part:
            raise UploadRejected(f"文件内部 XML 部件过大（超过 {_format_size(max_xml_part)}），疑似构造的文件，已拒绝")
        try:
            with archive.open(info) as stream:
                limited = _Capped(stream, info.file_size)
                if is_xml:
                    _parse_xml(limited)
                else:
                    while limited.read(1024 * 1024):
                        pass
        except UploadRejected:
            raise
        except DefusedXmlException as exc:
            raise UploadRejected("文件包含不安全的 XML 内容（实体/DTD 声明），已拒绝") from exc
        except ParseError as exc:
            raise UploadRejected("文件已损坏（内部 XML 无效或文件不完整）") from exc
        except _ZIP_ERRORS as exc:
            raise UploadRejected(_DAMAGED) from exc


class _Capped(io.RawIOBase):
    """A member stream that refuses to produce more than its declared size (lying headers)."""

    def __init__(self, stream: IO[bytes], limit: int) -> None:
        self.stream, self.left = stream, limit

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        chunk = self.stream.read(size if size >= 0 else 1024 * 1024)
        self.left -= len(chunk)
        if self.left < 0:
            raise UploadRejected("压缩包成员的实际大小与声明不符，已拒绝")
        return chunk

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        chunk = self.read(len(buffer))
        buffer[:len(chunk)] = chunk
        return len(chunk)


def _parse_xml(stream: io.RawIOBase) -> None:
    for _event, element in iterparse(stream, events=("end",), forbid_dtd=True):
        element.clear()


def _check_main_type(archive: zipfile.ZipFile, kind: str) -> None:
    """The main part must be declared as what the package claims to be (a .docm is not a .docx)."""
    from defusedxml.ElementTree import fromstring

    root = fromstring(archive.read("[Content_Types].xml"), forbid_dtd=True)
    main = "/" + _OOXML_MAIN_PART[kind]
    types = {el.get("PartName", "").lower(): el.get("ContentType", "") for el in root if el.tag.endswith("Override")}
    declared = types.get(main.lower())
    if declared is None:
        declared = next((el.get("ContentType", "") for el in root if el.tag.endswith("Default")
                         and el.get("Extension", "").lower() == "xml"), "")
    if "macroEnabled" in declared:
        raise UploadRejected("文件含有宏（.docm/.xlsm），已拒绝；请另存为不含宏的 .docx/.xlsx")
    if declared != _OOXML_MAIN_TYPE[kind]:
        raise UploadRejected(f"文件内容不是有效的 {_KIND_LABEL[kind]}（主体部件类型不符）")


def _kind_from_extension(filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return {"jpeg": "jpg", "text": "txt"}.get(ext, ext)


def _format_size(size: int) -> str:
    if size >= 1024 * 1024 and size % (1024 * 1024) == 0:
        return f"{size // (1024 * 1024)} MB"
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(size // 1024, 1)} KB"
