"""Plain-text plans: decode UTF-8 / UTF-16 (BOM) / GB18030 without trusting the file name."""

from __future__ import annotations

from models.importing.model import ImportRejected


def decode_text(data: bytes) -> tuple[str, list[str]]:
    """Text and warnings; strict decoders first, a lossy GB18030 read is reported."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), []
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), []
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding), []
        except UnicodeDecodeError:
            continue
    text = data.decode("gb18030", errors="replace")
    if text.count("\ufffd") > len(text) // 20:
        raise ImportRejected("文本文件编码无法识别（既不是 UTF-8 也不是 GB18030）")
    return text, ["文本中有少量无法识别的字符，已用“�”代替，请核对"]
