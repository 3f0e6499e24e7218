"""Upload checks: every fixture is generated here, no binary blobs."""

import io
import zipfile

import pytest

from benchmarks.importing import make_docx, make_xlsx
from models.filesafety import UploadRejected, check_upload
from tests.filesamples import PDF, jpeg, png

PLAN = {"docx", "xlsx", "txt"}
LIMIT = 20 * 1024 * 1024


def _reject(data: bytes, name: str, *, allowed: set[str] = PLAN, max_bytes: int = LIMIT) -> str:
    with pytest.raises(UploadRejected) as error:
        check_upload(data, name, allowed=allowed, max_bytes=max_bytes)
    return error.value.message


def _zip(entries: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _replace_part(docx: bytes, part: str, content: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(docx))
    entries = {info.filename: source.read(info) for info in source.infolist()}
    entries[part] = content
    return _zip(entries)


def test_kind_is_detected_by_content_not_extension() -> None:
    assert check_upload(make_docx(["正文"]), "plan.docx", allowed=PLAN, max_bytes=LIMIT) == "docx"
    assert check_upload(make_xlsx([["a"]]), "table.xlsx", allowed=PLAN, max_bytes=LIMIT) == "xlsx"
    assert check_upload("方案".encode("gb18030"), "plan.txt", allowed=PLAN, max_bytes=LIMIT) == "txt"
    assert check_upload(PDF, "evidence.pdf", allowed={"pdf"}, max_bytes=LIMIT) == "pdf"
    assert check_upload(png(), "photo.png", allowed={"png"}, max_bytes=LIMIT) == "png"
    assert check_upload(jpeg(), "photo.jpg", allowed={"jpg"}, max_bytes=LIMIT) == "jpg"


def test_extension_that_lies_is_refused() -> None:
    assert _reject(make_xlsx([["a"]]), "plan.docx") == "文件内容不是有效的 Word 文档（.docx）"


def test_empty_file() -> None:
    assert _reject(b"", "plan.docx") == "文件为空"


def test_oversize_is_refused_by_length_before_any_parsing() -> None:
    huge = b"PK\x03\x04" + bytes(200 * 1024 * 1024)  # never opened as a zip
    assert _reject(huge, "plan.docx") == "文件超过 20 MB 上限"


def test_zip_bomb_refused_from_declared_sizes() -> None:
    bomb = _replace_part(make_docx(["正文"]), "word/media/padding.bin", bytes(50 * 1024 * 1024))
    assert _reject(bomb, "plan.docx") == "压缩包解压后过大，疑似压缩炸弹，已拒绝"


def test_too_many_entries() -> None:
    entries = {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}
    entries.update({f"word/media/{i}.txt": b"" for i in range(2001)})
    assert "过多" in _reject(_zip(entries, zipfile.ZIP_STORED), "plan.docx")


def test_billion_laughs_inside_a_docx() -> None:
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
              b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">&lol2;</w:document>')
    evil = _replace_part(make_docx(["正文"]), "word/document.xml", laughs)
    assert _reject(evil, "plan.docx") == "文件包含不安全的 XML 内容（实体/DTD 声明），已拒绝"


def test_zip_slip_entry() -> None:
    evil = _replace_part(make_docx(["正文"]), "../../etc/cron.d/evil", b"* * * * * root sh")
    assert _reject(evil, "plan.docx") == "压缩包含有非法路径（绝对路径或“..”），已拒绝"
    absolute = _replace_part(make_docx(["正文"]), "/etc/passwd", b"x")
    assert "非法路径" in _reject(absolute, "plan.docx")


@pytest.mark.parametrize("magic", [b"MZ\x90\x00\x03\x00\x00\x00", b"\x7fELF\x02\x01\x01"])
def test_renamed_executables(magic: bytes) -> None:
    assert _reject(magic + bytes(100), "plan.docx") == "文件是可执行程序（扩展名被改动），已拒绝"


def test_corrupt_zip() -> None:
    assert _reject(b"PK\x03\x04" + b"\x00garbage" * 50, "plan.docx") == "文件已损坏（压缩结构无效或文件不完整）"


def test_truncated_docx() -> None:
    data = make_docx(["正文"] * 50)
    assert "文件已损坏" in _reject(data[: len(data) // 2], "plan.docx")


def test_encrypted_cfb_header() -> None:
    cfb = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512)
    assert _reject(cfb, "plan.docx").startswith("文件已加密（受密码保护）")


def test_zip_that_is_not_office() -> None:
    assert "文件内容不是有效的" in _reject(_zip({"a.txt": b"x"}), "plan.docx")
    assert "Office" in _reject(_zip({"[Content_Types].xml": b"<Types/>", "x.xml": b"<x/>"}), "upload")


def test_kind_not_allowed() -> None:
    assert "不支持的文件类型" in _reject(PDF, "evidence", allowed={"png"})
