"""等保 入侵防范 数据有效性检验; ASVS 5.1.1, 5.2.1–5.2.3, 5.3.2/5.3.3, 1.5.1; checklist 28/29.

Malicious files are generated here and sent through the evidence upload service (the real entry
point): each is refused with a clear message, and nothing is stored — no Evidence row, no file, no
progress change.
"""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import func, select

from models.db import read_session
from models.services import tasks
from models.services.errors import Invalid, PermissionDenied
from models.services.tasks import Upload
from models.settings import get_settings
from models.tables import Evidence, Task
from tests.factories import actor
from tests.security.conftest import audit_rows

CONTENT_TYPES = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/'
                 b'2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
                 b'<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
                 b'officedocument.wordprocessingml.document.main+xml"/></Types>')
DOCUMENT = (b'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            b'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>ok</w:t></w:r></w:p></w:body></w:document>')


def _docx(extra: dict[str, bytes] | None = None, *, content_types: bytes = CONTENT_TYPES) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", content_types)
        z.writestr("word/document.xml", DOCUMENT)
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return buf.getvalue()


def zip_bomb() -> bytes:
    return _docx({"word/media/padding.bin": b"\0" * (64 * 1024 * 1024)})  # 64 MB of zeros → ~64 KB


def many_entries() -> bytes:
    return _docx({f"word/p{i}.bin": b"x" for i in range(2100)})


def billion_laughs() -> bytes:
    lol = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
           + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                      for i in range(1, 10))
           + b']><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">&lol9;</Types>')
    return _docx(content_types=lol)


def xxe() -> bytes:
    evil = (b'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">&x;</Types>')
    return _docx(content_types=evil)


def zip_slip() -> bytes:
    return _docx({"../../../../tmp/evil.sh": b"#!/bin/sh\nrm -rf /\n"})


def renamed_executable() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\0" * 200


def elf_as_docx() -> bytes:
    return b"\x7fELF\x02\x01\x01" + b"\0" * 200


MALICIOUS = [
    ("zip bomb", "整改材料.docx", zip_bomb, "压缩炸弹"),
    ("entry count", "整改材料.docx", many_entries, "文件过多"),
    ("billion laughs", "整改材料.docx", billion_laughs, "不安全的 XML"),
    ("xxe", "整改材料.docx", xxe, "不安全的 XML"),
    ("zip slip", "整改材料.docx", zip_slip, "非法路径"),
    ("renamed exe", "会议纪要.pdf", renamed_executable, "可执行程序"),
    ("renamed elf", "照片.docx", elf_as_docx, "可执行程序"),
    ("empty", "空白.pdf", lambda: b"", "文件为空"),
    ("pdf named docx", "方案.docx", lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "不是有效的"),
    ("path in name", "../../etc/passwd", lambda: b"root:x:0:0:root:/root:/bin/bash\n" * 3, None),
]


def _evidence_state(engine: Engine) -> tuple[int, set[str]]:
    with read_session(engine) as s:
        rows = int(s.exec(select(func.count()).select_from(Evidence)).one())
    folder = get_settings().files_dir / "evidence"
    return rows, {p.name for p in folder.iterdir()} if folder.exists() else set()


def _task(engine: Engine) -> Task:
    with read_session(engine) as s:
        return s.exec(select(Task).where(Task.code == "四.3")).one()


@pytest.mark.parametrize("label, filename, make, message", MALICIOUS, ids=[m[0] for m in MALICIOUS])
def test_malicious_upload_refused_and_nothing_stored(demo_sqlite: Engine, label: str, filename: str, make: object,
                                                     message: str | None) -> None:
    """File checks do not depend on the backend; the rollback on PostgreSQL is covered just below."""
    demo = demo_sqlite
    who, t = actor(demo, "chengguan"), _task(demo)
    data = make()  # type: ignore[operator]
    before = _evidence_state(demo)
    if message is None:
        # a plain text file whose *name* is a path: accepted, but the path never reaches the disk
        tasks.report_progress(who, task_id=t.id or 0, expected_version=t.version, percent=70,
                              uploads=[Upload(filename, data)], engine=demo)
        rows, names = _evidence_state(demo)
        with read_session(demo) as s:
            ev = s.exec(select(Evidence).order_by(Evidence.id.desc())).first()  # type: ignore[union-attr]
        assert ev is not None and "/" not in ev.stored_name and ".." not in ev.stored_name
        assert names - before[1] == {ev.stored_name}
        assert not Path("/etc/passwd.txt").exists()
        return
    with pytest.raises(Invalid) as exc:
        tasks.report_progress(who, task_id=t.id or 0, expected_version=t.version, percent=70,
                              uploads=[Upload(filename, data)], engine=demo)
    assert message in exc.value.message and "Traceback" not in exc.value.message
    assert _evidence_state(demo) == before
    after = _task(demo)
    assert (after.version, after.percent) == (t.version, t.percent)
    assert audit_rows(demo, action="task.progress", outcome="invalid")


def test_refused_upload_rolls_back_on_every_backend(demo: Engine) -> None:
    who, t = actor(demo, "chengguan"), _task(demo)
    for name, data in (("材料.docx", zip_bomb()), ("会议纪要.pdf", renamed_executable())):
        before = _evidence_state(demo)
        with pytest.raises(Invalid):
            tasks.report_progress(who, task_id=t.id or 0, expected_version=t.version, percent=70,
                                  note="附件", uploads=[Upload(name, data)], engine=demo)
        assert _evidence_state(demo) == before
        assert (_task(demo).version, _task(demo).percent) == (t.version, t.percent)


def test_oversized_upload_refused(demo: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REFORM_MAX_UPLOAD_MB", "1")
    get_settings.cache_clear()
    try:
        who, t = actor(demo, "chengguan"), _task(demo)
        before = _evidence_state(demo)
        big = b"%PDF-1.7\n" + b"0" * (1024 * 1024)
        with pytest.raises(Invalid, match="上限"):
            tasks.report_progress(who, task_id=t.id or 0, expected_version=t.version, percent=70,
                                  uploads=[Upload("big.pdf", big)], engine=demo)
        assert _evidence_state(demo) == before
    finally:
        monkeypatch.delenv("REFORM_MAX_UPLOAD_MB")
        get_settings.cache_clear()


def test_valid_upload_is_stored_under_a_server_name(demo: Engine) -> None:
    who, t = actor(demo, "chengguan"), _task(demo)
    tasks.report_progress(who, task_id=t.id or 0, expected_version=t.version, percent=70,
                          uploads=[Upload("现场照片<script>.docx", _docx())], engine=demo)
    with read_session(demo) as s:
        ev = s.exec(select(Evidence).order_by(Evidence.id.desc())).first()  # type: ignore[union-attr]
    assert ev is not None and ev.kind == "docx"
    assert ev.stored_name.endswith(".docx") and len(ev.stored_name) == 32 + 5  # uuid4 hex + extension
    name, data = tasks.evidence_for_download(who, ev.id or 0, engine=demo)
    assert data == _docx() or zipfile.is_zipfile(io.BytesIO(data))
    assert name == f"{t.code}_佐证材料_{ev.id}.docx"  # the offered name is built by the server


def test_mixed_batch_leaves_no_orphan_file(demo: Engine) -> None:
    who, t = actor(demo, "chengguan"), _task(demo)
    before = _evidence_state(demo)
    with pytest.raises(Invalid):
        tasks.report_progress(who, task_id=t.id or 0, expected_version=t.version, percent=70,
                              uploads=[Upload("ok.docx", _docx()), Upload("bad.pdf", renamed_executable())],
                              engine=demo)
    assert _evidence_state(demo) == before


def test_department_cannot_download_another_units_evidence(demo: Engine) -> None:
    owner, t = actor(demo, "chengguan"), _task(demo)
    tasks.report_progress(owner, task_id=t.id or 0, expected_version=t.version, percent=70,
                          uploads=[Upload("内部材料.docx", _docx())], engine=demo)
    with read_session(demo) as s:
        ev = s.exec(select(Evidence).order_by(Evidence.id.desc())).first()  # type: ignore[union-attr]
    assert ev is not None
    with pytest.raises(PermissionDenied):
        tasks.evidence_for_download(actor(demo, "caizheng"), ev.id or 0, engine=demo)
