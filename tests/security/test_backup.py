"""等保 数据备份恢复 (local backup and restore) — the restore drill, on SQLite and PostgreSQL.

Back up a live demo database (while a writer keeps writing), restore into an empty instance, compare
row counts, verify the audit chain, and check that a corrupted or tampered archive is refused with a
clear message before anything is touched.
"""
from __future__ import annotations

import gzip
import io
import tarfile
import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from models.db import engine_for, is_sqlite
from models.services import backup as bk
from models.services import tasks
from models.services.errors import Conflict
from models.settings import get_settings
from tests.factories import actor, task
from tests.security.conftest import chain_ok


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return bk._counts(conn)


def _source_files(tmp_path: Path) -> Path:
    src = tmp_path / "files-src"
    (src / "evidence").mkdir(parents=True)
    (src / "evidence" / "a1b2.pdf").write_bytes(b"%PDF-1.7 evidence")
    (src / "notices").mkdir()
    (src / "notices" / "c3d4.docx").write_bytes(b"PK\x03\x04 notice")
    return src


def test_backup_restore_drill(demo: Engine, empty_target: str, tmp_path: Path) -> None:
    src_files, dst_files = _source_files(tmp_path), tmp_path / "files-dst"
    # a writer keeps reporting progress while the backup runs: the backup must still be consistent
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer() -> None:
        who, n = actor(demo, "chengguan"), 0
        while not stop.is_set() and n < 40:
            t = task(demo, "四.3")
            try:
                tasks.report_progress(who, task_id=t.id or 0, expected_version=t.version, percent=n % 99,
                                      engine=demo)
            except Conflict:
                pass
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)
                return
            n += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        archive = bk.backup(tmp_path / "out", url=_url(demo), files_dir=src_files)
    finally:
        stop.set()
        thread.join()
    assert not errors, errors
    assert archive.exists() and archive.name.startswith("reform-backup-")

    report = bk.restore(archive, url=empty_target, files_dir=dst_files)
    assert not report.problems and report.audit_checked > 0 and report.files == 2
    restored = engine_for(empty_target)
    with tarfile.open(archive) as tar:
        import json

        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
    assert _counts(restored) == manifest["tables"]
    assert manifest["tables"]["task"] > 30 and manifest["tables"]["auditevent"] > 20
    assert chain_ok(restored).ok
    assert (dst_files / "evidence" / "a1b2.pdf").read_bytes() == b"%PDF-1.7 evidence"
    # the append-only guarantee survives the restore (triggers came back with the schema)
    with pytest.raises(DBAPIError), restored.begin() as conn:
        conn.execute(text("UPDATE auditevent SET outcome = 'x' WHERE id = 1"))
    # the restored instance is a working database: a new change appends to the same chain
    t = task(restored, "四.3")
    tasks.report_progress(actor(restored, "chengguan"), task_id=t.id or 0, expected_version=t.version,
                          percent=50, engine=restored)
    assert chain_ok(restored).ok

    # a second restore onto the now non-empty target is refused unless forced
    with pytest.raises(bk.BackupError, match="不是空的"):
        bk.restore(archive, url=empty_target, files_dir=dst_files)
    assert bk.restore(archive, url=empty_target, files_dir=dst_files, force=True).audit_checked == \
        report.audit_checked


def _corrupt(archive: Path, how: str) -> Path:
    data = bytearray(archive.read_bytes())
    out = archive.with_name(f"{how}.tar.gz")
    if how == "flipped":
        for i in range(len(data) // 3, len(data) // 3 + 64):
            data[i] ^= 0xFF
        out.write_bytes(bytes(data))
    elif how == "truncated":
        out.write_bytes(bytes(data[: len(data) // 2]))
    elif how == "not-a-backup":
        out.write_bytes(b"hello, I am a text file")
    elif how == "tampered-member":
        # re-pack a valid tar.gz with a modified database member: only the checksum can catch it
        with tarfile.open(archive) as tar:
            members = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]
        db = next(n for n in members if n.startswith("database."))
        members[db] = members[db][:-10] + b"\0" * 10
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tar:
            for name, payload in members.items():
                info = tarfile.TarInfo(name)
                info.size = len(payload)
                tar.addfile(info, io.BytesIO(payload))
        out.write_bytes(gzip.compress(buf.getvalue()))
    return out


@pytest.mark.parametrize("how, message", [
    ("flipped", "损坏"), ("truncated", "损坏"), ("not-a-backup", "损坏"), ("tampered-member", "校验和不符"),
])
def test_corrupt_archive_refused_before_touching_the_target(demo: Engine, empty_target: str, tmp_path: Path,
                                                            how: str, message: str) -> None:
    if how != "tampered-member" and not is_sqlite(demo):
        pytest.skip("archive parsing is backend-independent; covered on SQLite")
    archive = bk.backup(tmp_path / "out", url=_url(demo), files_dir=_source_files(tmp_path))
    bad = _corrupt(archive, how)
    with pytest.raises(bk.BackupError, match=message) as exc:
        bk.restore(bad, url=empty_target, files_dir=tmp_path / "dst")
    assert "Traceback" not in exc.value.message
    assert bk._target_rows(empty_target) == 0 and not (tmp_path / "dst").exists()


def test_cli_backup_and_restore(demo: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not is_sqlite(demo):
        pytest.skip("the CLI wiring is backend-independent; the PostgreSQL path is covered above")
    from ui.cli import app

    runner = CliRunner()
    monkeypatch.setenv("REFORM_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("REFORM_DATABASE_URL", _url(demo))
    get_settings.cache_clear()
    try:
        done = runner.invoke(app, ["backup", "--out", str(tmp_path / "bk")])
        assert done.exit_code == 0, done.output
        archive = next((tmp_path / "bk").glob("reform-backup-*.tar.gz"))
        # the backup itself is an audited administrator action
        with demo.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM auditevent WHERE action = 'ops.backup'")).scalar() == 1
        monkeypatch.setenv("REFORM_DATABASE_URL", f"sqlite:///{tmp_path / 'new.db'}")
        get_settings.cache_clear()
        restored = runner.invoke(app, ["restore", str(archive)])
        assert restored.exit_code == 0, restored.output
        assert "审计链校验通过" in restored.output
        again = runner.invoke(app, ["restore", str(archive)])
        assert again.exit_code == 2 and "--force" in again.output
        broken = _corrupt(archive, "truncated")
        failed = runner.invoke(app, ["restore", str(broken), "--force"])
        assert failed.exit_code == 2 and "损坏" in failed.output and "Traceback" not in failed.output
    finally:
        get_settings.cache_clear()


def test_restore_into_a_freshly_migrated_instance(demo: Engine, engine: Engine, tmp_path: Path) -> None:
    """Operators often run `reform db upgrade` before restoring: an empty schema counts as empty.
    A backup from the other backend is refused with a clear message instead of a half restore."""
    archive = bk.backup(tmp_path / "out", url=_url(demo), files_dir=_source_files(tmp_path))
    if demo.dialect.name != engine.dialect.name:
        with pytest.raises(bk.BackupError, match="不能恢复到"):
            bk.restore(archive, url=_url(engine), files_dir=tmp_path / "dst")
        return
    report = bk.restore(archive, url=_url(engine), files_dir=tmp_path / "dst")
    assert report.tables == _counts(demo) and chain_ok(engine_for(_url(engine))).ok
