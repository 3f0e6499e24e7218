"""Signed backups and all-or-nothing restore (issue #20 point 4; 等保 数据完整性 (存储), 数据备份恢复).

Before: business rows changed inside an archive, with the manifest's SHA-256 recomputed, restored with
rc 0, and so did an audit row rewritten with the whole chain rehashed; a refused restore (row-count
mismatch, ``../`` or a symlink in files.tar) exited 2 but left ~300 rows behind. Now the archive carries
an HMAC-SHA256 over the manifest and every member, keyed outside the archive, checked before anything
is written; restore goes into a staging database and folder and is swapped in only after every check.
"""
from __future__ import annotations

import hashlib
import io
import json
import sqlite3
import stat
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models.services import audit
from models.services import backup as bk
from models.services import backup_signing as signing
from models.settings import get_settings
from models.tables import AuditEvent, AuditHead


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _files(tmp_path: Path) -> Path:
    src = tmp_path / "files-src"
    (src / "evidence").mkdir(parents=True)
    (src / "evidence" / "a1.pdf").write_bytes(b"%PDF-1.7 evidence\n%%EOF\n")
    return src


def _members(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]


def _repack(archive: Path, members: dict[str, bytes], *, resign: bool, name: str = "edited") -> Path:
    """Write ``members`` back with the manifest's checksums recomputed, as a forger would; ``resign``
    uses the installation's real key (a faulty but honestly signed backup)."""
    manifest = json.loads(members["manifest.json"])
    for member in manifest["members"]:
        manifest["members"][member] = {"sha256": hashlib.sha256(members[member]).hexdigest(),
                                       "size": len(members[member])}
    members["manifest.json"] = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
    if resign:
        key, work = signing.load_key(create=False), archive.parent / f".sign-{name}"
        work.mkdir()
        paths = {}
        for member in manifest["members"]:
            paths[member] = work / member
            paths[member].write_bytes(members[member])
        members["signature.json"] = signing.sign(key, members["manifest.json"], paths)
    out = archive.with_name(f"{name}.tar.gz")
    with tarfile.open(out, "w:gz") as tar:
        for member, payload in members.items():
            info = tarfile.TarInfo(member)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    return out


def _edit_sqlite(db: bytes, tmp_path: Path, edit: Callable[[sqlite3.Connection], None]) -> bytes:
    path = tmp_path / "member.sqlite"
    path.write_bytes(db)
    conn = sqlite3.connect(path)
    with conn:
        edit(conn)
    conn.close()
    return path.read_bytes()


def _untouched(url: str, files_dir: Path) -> None:
    assert bk._target_rows(url) == 0, "a refused restore left rows behind"
    assert not files_dir.exists()
    assert not list(files_dir.parent.glob(f".{files_dir.name}.*"))  # no staging folder left either


def test_changed_business_rows_with_recomputed_checksums_are_refused(demo: Engine, empty_target: str,
                                                                      tmp_path: Path) -> None:
    archive = bk.backup(tmp_path / "out", url=_url(demo), files_dir=_files(tmp_path))
    members = _members(archive)
    db = next(n for n in members if n.startswith("database."))
    if db == "database.sqlite":
        members[db] = _edit_sqlite(members[db], tmp_path, lambda c: c.execute("UPDATE task SET percent = 100"))
    else:
        members[db] = members[db][:-64] + bytes(64)
    forged = _repack(archive, members, resign=False)
    with pytest.raises(bk.BackupError, match="签名校验失败"):
        bk.restore(forged, url=empty_target, files_dir=tmp_path / "dst")
    _untouched(empty_target, tmp_path / "dst")


def test_rewritten_audit_row_with_a_rehashed_chain_is_refused(demo_sqlite: Engine, tmp_path: Path) -> None:
    """The forgery the hash chain alone cannot see: row, chain and head all rewritten consistently."""
    archive = bk.backup(tmp_path / "out", url=_url(demo_sqlite), files_dir=_files(tmp_path))
    members = _members(archive)

    def rewrite(conn: sqlite3.Connection) -> None:
        conn.execute("DROP TRIGGER auditevent_no_update")
        conn.execute("UPDATE auditevent SET actor_name = 'nobody' WHERE id = 2")

    path = tmp_path / "forged.sqlite"
    path.write_bytes(_edit_sqlite(members["database.sqlite"], tmp_path, rewrite))
    forged_engine = create_engine(f"sqlite:///{path}")
    with Session(forged_engine) as session:  # rehash everything from the anchor, as a forger with the file would
        prev = session.get(AuditHead, 1).anchor_hash  # type: ignore[union-attr]
        for event in session.exec(select(AuditEvent).order_by(AuditEvent.id)).all():  # type: ignore[arg-type]
            event.prev_hash = prev
            event.hash = prev = audit.compute_hash(event)
            session.add(event)
        head = session.get(AuditHead, 1)
        assert head is not None
        head.last_hash = prev
        session.add(head)
        session.commit()
        assert audit.verify(session).ok  # the chain itself is now "consistent"
    forged_engine.dispose()
    members["database.sqlite"] = path.read_bytes()
    manifest = json.loads(members["manifest.json"])
    manifest["audit_head"]["last_hash"] = prev
    members["manifest.json"] = json.dumps(manifest).encode()
    target = f"sqlite:///{tmp_path / 'restored.db'}"
    with pytest.raises(bk.BackupError, match="签名校验失败"):
        bk.restore(_repack(archive, members, resign=False), url=target, files_dir=tmp_path / "dst")
    _untouched(target, tmp_path / "dst")


def test_archive_without_signature_or_with_another_key_is_refused(demo_sqlite: Engine, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    archive = bk.backup(tmp_path / "out", url=_url(demo_sqlite), files_dir=_files(tmp_path))
    members = _members(archive)
    del members["signature.json"]
    target = f"sqlite:///{tmp_path / 'restored.db'}"
    with pytest.raises(bk.BackupError, match="没有签名"):
        bk.restore(_repack(archive, members, resign=False, name="unsigned"), url=target, files_dir=tmp_path / "d")
    monkeypatch.setenv("REFORM_BACKUP_KEY", "another-installation-key-0123456789abcdef")
    get_settings.cache_clear()
    try:
        with pytest.raises(bk.BackupError, match="另一把密钥"):
            bk.restore(archive, url=target, files_dir=tmp_path / "d")
        monkeypatch.delenv("REFORM_BACKUP_KEY")
        monkeypatch.setenv("REFORM_BACKUP_KEY_FILE", str(tmp_path / "missing.key"))
        get_settings.cache_clear()
        with pytest.raises(bk.BackupError, match="找不到备份签名密钥"):
            bk.restore(archive, url=target, files_dir=tmp_path / "d")
    finally:
        monkeypatch.delenv("REFORM_BACKUP_KEY_FILE", raising=False)
        get_settings.cache_clear()
    _untouched(target, tmp_path / "d")
    assert bk.restore(archive, url=target, files_dir=tmp_path / "d").files == 1  # the genuine key works


def test_key_file_is_private_and_outside_the_archive(demo_sqlite: Engine, tmp_path: Path) -> None:
    archive = bk.backup(tmp_path / "out", url=_url(demo_sqlite), files_dir=_files(tmp_path))
    key_file = signing.key_path()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_bytes().strip()
    assert all(key not in payload for payload in _members(archive).values())


def test_row_count_mismatch_leaves_the_target_untouched(demo: Engine, empty_target: str, tmp_path: Path) -> None:
    archive = bk.backup(tmp_path / "out", url=_url(demo), files_dir=_files(tmp_path))
    members = _members(archive)
    manifest = json.loads(members["manifest.json"])
    manifest["tables"]["task"] += 1
    members["manifest.json"] = json.dumps(manifest).encode()
    with pytest.raises(bk.BackupError, match="目标实例未作任何改动.*task"):
        bk.restore(_repack(archive, members, resign=True), url=empty_target, files_dir=tmp_path / "dst")
    _untouched(empty_target, tmp_path / "dst")


def _files_tar(add: Callable[[tarfile.TarFile], None]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo("evidence/ok.pdf")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"pdf"))
        add(tar)
    return buffer.getvalue()


def _dotdot(tar: tarfile.TarFile) -> None:
    info = tarfile.TarInfo("../../escaped.txt")
    info.size = 1
    tar.addfile(info, io.BytesIO(b"x"))


def _symlink(tar: tarfile.TarFile) -> None:
    info = tarfile.TarInfo("evidence/passwd")
    info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
    tar.addfile(info)


@pytest.mark.parametrize("add", [_dotdot, _symlink], ids=["dotdot", "symlink"])
def test_unsafe_files_tar_is_refused_before_any_row_is_written(demo: Engine, empty_target: str, tmp_path: Path,
                                                               add: Callable[[tarfile.TarFile], None]) -> None:
    archive = bk.backup(tmp_path / "out", url=_url(demo), files_dir=_files(tmp_path))
    members = _members(archive)
    members["files.tar"] = _files_tar(add)
    manifest = json.loads(members["manifest.json"])
    manifest["files"] = 2
    members["manifest.json"] = json.dumps(manifest).encode()
    dst = tmp_path / "deep" / "dst"
    with pytest.raises(bk.BackupError, match="不安全"):
        bk.restore(_repack(archive, members, resign=True), url=empty_target, files_dir=dst)
    _untouched(empty_target, dst)
    assert not (tmp_path / "escaped.txt").exists() and not (tmp_path / "deep" / "escaped.txt").exists()


def test_forced_restore_replaces_files_and_rows_only_after_the_checks(demo: Engine, empty_target: str,
                                                                       tmp_path: Path) -> None:
    archive = bk.backup(tmp_path / "out", url=_url(demo), files_dir=_files(tmp_path))
    dst = tmp_path / "dst"
    first = bk.restore(archive, url=empty_target, files_dir=dst)
    (dst / "evidence" / "local-only.txt").write_bytes(b"kept until a restore succeeds")
    members = _members(archive)
    manifest = json.loads(members["manifest.json"])
    manifest["tables"]["unit"] += 5
    members["manifest.json"] = json.dumps(manifest).encode()
    with pytest.raises(bk.BackupError):
        bk.restore(_repack(archive, members, resign=True), url=empty_target, files_dir=dst, force=True)
    assert (dst / "evidence" / "local-only.txt").exists() and bk._target_rows(empty_target) == sum(
        first.tables.values())
    bk.restore(archive, url=empty_target, files_dir=dst, force=True)
    assert not (dst / "evidence" / "local-only.txt").exists() and (dst / "evidence" / "a1.pdf").exists()
