"""Upload checks shared by plan import and evidence uploads.

The kind of a file is decided by its content (magic bytes), never by its extension, and every
check on a zip-based (OOXML) file is made on the central directory *before* anything is
decompressed: a zip bomb is refused from its declared sizes, a zip-slip entry from its name.  XML
parts are opened with defusedxml, which refuses DTDs and entity declarations (billion laughs), and
only the prolog is read, so a check costs a few kilobytes per part whatever the file size.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

MAX_ZIP_ENTRIES = 2000
MAX_ZIP_TOTAL = 200 * 1024 * 1024
MAX_ZIP_RATIO = 100
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
_KIND_LABEL = {"docx": "Word 文档（.docx）", "xlsx": "Excel 表格（.xlsx）", "txt": "文本文件（.txt）",
               "pdf": "PDF 文件", "png": "PNG 图片", "jpg": "JPEG 图片", "gif": "GIF 图片",
               "pptx": "PowerPoint 文档（.pptx）", "zip": "压缩包"}


_UNKNOWN = "无法识别的文件类型"


class UploadRejected(Exception):
    """The upload is refused; ``message`` is shown to the user (Chinese)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def check_upload(data: bytes, filename: str, *, allowed: set[str], max_bytes: int) -> str:
    """Return the detected kind of ``data`` or raise :class:`UploadRejected`."""
    if len(data) == 0:
        raise UploadRejected("文件为空")
    if len(data) > max_bytes:
        raise UploadRejected(f"文件超过 {_format_size(max_bytes)} 上限")
    claimed = _kind_from_extension(filename)
    try:
        kind = detect_kind(data)
    except UploadRejected as exc:
        if claimed in _KIND_LABEL and exc.message == _UNKNOWN:
            raise UploadRejected(f"文件内容不是有效的 {_KIND_LABEL[claimed]}") from exc
        raise
    if claimed in _KIND_LABEL and claimed != kind:
        raise UploadRejected(f"文件内容不是有效的 {_KIND_LABEL[claimed]}")
    if kind not in allowed:
        wanted = "、".join(_KIND_LABEL.get(k, k) for k in sorted(allowed))
        raise UploadRejected(f"不支持的文件类型（{_KIND_LABEL.get(kind, kind)}），仅支持：{wanted}")
    return kind


def detect_kind(data: bytes) -> str:
    """Kind by content; raises UploadRejected for dangerous or unreadable content."""
    if data.startswith(_OLE2):
        raise UploadRejected(
            "文件已加密（受密码保护）或为旧版 .doc/.xls 格式，请先解除保护并另存为 .docx/.xlsx 后再上传")
    if data.startswith(_EXECUTABLE_MAGIC):
        raise UploadRejected("文件是可执行程序（扩展名被改动），已拒绝")
    for magic, kind in _SIMPLE_MAGIC:
        if data.startswith(magic):
            return kind
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _check_zip(data)
    if looks_like_text(data):
        return "txt"
    raise UploadRejected(_UNKNOWN)


def looks_like_text(data: bytes) -> bool:
    """UTF-8/UTF-16 (BOM) or GB18030 text without binary control bytes."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    sample = data[:65536]
    if b"\x00" in sample:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            # a cut multi-byte sequence at the end of the sample is not an error
            sample.decode(encoding) if len(data) <= len(sample) else sample[:-4].decode(encoding)
        except UnicodeDecodeError:
            continue
        controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
        return controls <= len(sample) // 100
    return False


def _check_zip(data: bytes) -> str:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError, OSError) as exc:
        raise UploadRejected("文件已损坏（压缩结构无效或文件不完整）") from exc
    with archive:
        _check_entries(infos)
        names = {info.filename for info in infos}
        if "[Content_Types].xml" not in names:
            return "zip"
        kind = next((k for k, part in _OOXML_MAIN_PART.items() if part in names), None)
        if kind is None:
            raise UploadRejected("文件不是可识别的 Office 文档（缺少主体部件）")
        _check_xml_parts(archive, (i for i in infos if i.filename.endswith((".xml", ".rels"))))
        try:
            bad = archive.testzip() if len(data) <= 2 * 1024 * 1024 else None
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise UploadRejected("文件已损坏（压缩数据无效或文件不完整）") from exc
        if bad is not None:
            raise UploadRejected("文件已损坏（压缩数据校验失败）")
        return kind


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


def _check_xml_parts(archive: zipfile.ZipFile, infos: Iterable[zipfile.ZipInfo]) -> None:
    """Read each XML part up to its root element through defusedxml (DTDs refused)."""
    for info in infos:
        try:
            with archive.open(info) as stream:
                for _event, _element in iterparse(stream, events=("start",), forbid_dtd=True):
                    break
        except DefusedXmlException as exc:
            raise UploadRejected("文件包含不安全的 XML 内容（实体/DTD 声明），已拒绝") from exc
        except (ParseError, zipfile.BadZipFile, OSError, EOFError) as exc:
            raise UploadRejected("文件已损坏（内部 XML 无效或文件不完整）") from exc


def _kind_from_extension(filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return {"jpeg": "jpg", "text": "txt"}.get(ext, ext)


def _format_size(size: int) -> str:
    if size >= 1024 * 1024 and size % (1024 * 1024) == 0:
        return f"{size // (1024 * 1024)} MB"
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(size // 1024, 1)} KB"
