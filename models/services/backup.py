"""Consistent online backup and verified restore (等保 数据备份恢复: 本地数据备份与恢复).

An archive is one ``.tar.gz`` holding

* ``database.sqlite`` — a page-consistent copy of the live WAL database made with SQLite's online
  backup API (writers keep working), or ``database.pgdump`` — ``pg_dump --format=custom`` taken on an
  exported snapshot, so the row counts in the manifest describe exactly the data in the dump;
* ``files.tar`` — the stored files (evidence, notices). They are written once under random names
  before their database row commits, so copying them *after* the database snapshot can only add
  unreferenced files, never miss a referenced one;
* ``manifest.json`` — format, time, backend, schema revision, row counts per table, the audit chain
  head and a SHA-256 per member, so corruption is reported before anything is restored.

Restore refuses a non-empty target unless forced, then proves the drill worked: row counts equal the
manifest, the audit chain verifies and ends at the recorded head. No prefect or streamlit here.
"""
from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlmodel import Session, SQLModel

from models import tables  # noqa: F401  (registers every table on SQLModel.metadata)
from models.db import engine_for, sync_sequences
from models.services import audit
from models.services import backup_signing as signing
from models.services.actor import Actor
from models.services.errors import ServiceError
from models.settings import get_settings

FORMAT = 1
MANIFEST = "manifest.json"
FILES_MEMBER = "files.tar"
DB_MEMBERS = {"sqlite": "database.sqlite", "postgresql": "database.pgdump"}


class BackupError(ServiceError):
    """A backup or restore problem, with a message an operator can act on."""


@dataclass
class RestoreReport:
    archive: Path
    backend: str
    tables: dict[str, int]
    audit_checked: int
    files: int
    problems: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- helpers
def table_names() -> list[str]:
    return [t.name for t in SQLModel.metadata.sorted_tables]


def _counts(conn: Connection) -> dict[str, int]:
    present = set(inspect(conn).get_table_names())
    return {name: int(conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one())
            for name in table_names() if name in present}


def _head(conn: Connection) -> dict[str, Any]:
    row = conn.execute(text("SELECT last_id, last_hash, anchor_id FROM audithead WHERE id = 1")).first()
    return {"last_id": row[0], "last_hash": row[1], "anchor_id": row[2]} if row else \
        {"last_id": 0, "last_hash": audit.GENESIS, "anchor_id": 0}


def _revision(conn: Connection) -> str | None:
    if "alembic_version" not in inspect(conn).get_table_names():
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("内存数据库无法备份")
    return Path(database)


def _pg_args(url: str) -> tuple[list[str], dict[str, str]]:
    """libpq connection flags; the password travels in the environment, never on the command line."""
    u = make_url(url)
    args = ["--dbname", u.database or "", "--username", u.username or "postgres"]
    if u.host:
        args += ["--host", u.host]
    if u.port:
        args += ["--port", str(u.port)]
    env = dict(os.environ)
    if u.password:
        env["PGPASSWORD"] = str(u.password)
    return args, env


def _run(cmd: list[str], env: dict[str, str], what: str) -> None:
    if shutil.which(cmd[0]) is None:
        raise BackupError(f"找不到 {cmd[0]}，请安装 PostgreSQL 客户端工具")
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise BackupError(f"{what}失败：{proc.stderr.strip()[-500:]}")


# ---------------------------------------------------------------- backup
def _snapshot_sqlite(url: str, target: Path) -> tuple[dict[str, int], dict[str, Any], str | None]:
    source = sqlite3.connect(_sqlite_path(url), timeout=30)
    dest = sqlite3.connect(target)
    try:
        with dest:
            source.backup(dest)  # one step: a single read transaction, so the copy is consistent
    finally:
        source.close()
        dest.close()
    copy = create_engine(f"sqlite:///{target}")
    try:
        with copy.connect() as conn:
            return _counts(conn), _head(conn), _revision(conn)
    finally:
        copy.dispose()


def _snapshot_postgres(engine: Engine, url: str, target: Path) -> tuple[dict[str, int], dict[str, Any], str | None]:
    args, env = _pg_args(url)
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
        snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
        counts, head, revision = _counts(conn), _head(conn), _revision(conn)
        # pg_dump reads the very snapshot the counts were taken on, while this transaction stays open
        _run(["pg_dump", "--format=custom", f"--snapshot={snapshot}", "--no-owner", "--file", str(target), *args],
             env, "pg_dump ")
    return counts, head, revision


def _tar_files(files_dir: Path, target: Path) -> int:
    count = 0
    with tarfile.open(target, "w") as tar:
        if files_dir.exists():
            for path in sorted(files_dir.rglob("*")):
                relative = path.relative_to(files_dir)
                if path.is_file() and not path.name.endswith(".part") and not relative.parts[0].startswith("."):
                    tar.add(path, arcname=str(relative), recursive=False)
                    count += 1
    return count


def backup(out_dir: Path | None = None, *, url: str | None = None, files_dir: Path | None = None,
           actor: Actor | None = None) -> Path:
    """Write a verified-on-restore archive of the live database and stored files; returns its path."""
    settings = get_settings()
    url = url or settings.url
    files_dir = files_dir or settings.files_dir
    out_dir = out_dir or settings.home / "backups"
    out_dir.mkdir(parents=True, exist_ok=True)
    engine = engine_for(url)
    backend = engine.dialect.name
    if backend not in DB_MEMBERS:
        raise BackupError(f"不支持的数据库类型：{backend}")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    archive = out_dir / f"reform-backup-{stamp}.tar.gz"
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".backup-") as work_dir:
        work = Path(work_dir)
        db_file = work / DB_MEMBERS[backend]
        if backend == "sqlite":
            counts, head, revision = _snapshot_sqlite(url, db_file)
        else:
            counts, head, revision = _snapshot_postgres(engine, url, db_file)
        n_files = _tar_files(files_dir, work / FILES_MEMBER)
        manifest = {
            "format": FORMAT, "created_at": datetime.now(UTC).isoformat(), "backend": backend,
            "revision": revision, "tables": counts, "audit_head": head, "files": n_files,
            "members": {name: {"sha256": _sha256(work / name), "size": (work / name).stat().st_size}
                        for name in (DB_MEMBERS[backend], FILES_MEMBER)},
        }
        manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
        (work / MANIFEST).write_bytes(manifest_bytes)
        key = signing.load_key(create=True)
        (work / signing.SIGNATURE).write_bytes(signing.sign(key, manifest_bytes, {
            name: work / name for name in (DB_MEMBERS[backend], FILES_MEMBER)}))
        partial = archive.with_suffix(".part")
        with tarfile.open(partial, "w:gz") as tar:
            for name in (MANIFEST, signing.SIGNATURE, DB_MEMBERS[backend], FILES_MEMBER):
                tar.add(work / name, arcname=name)
        os.replace(partial, archive)  # a crash never leaves a half archive under the final name
    if actor is not None:
        _record(engine, actor, "ops.backup", {"archive": archive.name, "audit_head": head, "tables": len(counts)})
    return archive


def _record(engine: Engine, actor: Actor, action: str, after: dict[str, Any]) -> None:
    from models.db import write_session

    with write_session(engine) as session:
        audit.record(session, actor, action, "database", None, after=after)


# ---------------------------------------------------------------- restore
def read_manifest(archive: Path, work: Path) -> dict[str, Any]:
    """Extract the known members into ``work`` and check the signature (HMAC with the key kept outside the
    archive) and every checksum before anything is restored."""
    try:
        key = signing.load_key(create=False)
        with tarfile.open(archive, "r:gz") as tar:
            members = {m.name: m for m in tar.getmembers()}
            if MANIFEST not in members:
                raise BackupError("不是有效的备份文件（缺少 manifest.json）")
            manifest_bytes = _member_bytes(tar, members[MANIFEST])
            signature = signing.verify_manifest(
                key, manifest_bytes,
                _member_bytes(tar, members[signing.SIGNATURE]) if signing.SIGNATURE in members else None)
            manifest: dict[str, Any] = json.loads(manifest_bytes.decode("utf-8"))
            if manifest.get("format") != FORMAT or manifest.get("backend") not in DB_MEMBERS:
                raise BackupError("备份文件格式不受支持")
            for name, meta in manifest["members"].items():
                if name not in members or not members[name].isfile():
                    raise BackupError(f"备份文件不完整：缺少 {name}")
                target = work / Path(name).name  # names come from our own fixed list, never from the tar
                with target.open("wb") as fh:
                    src = tar.extractfile(members[name])
                    assert src is not None
                    shutil.copyfileobj(src, fh)
                if _sha256(target) != meta["sha256"]:
                    raise BackupError(f"备份文件已损坏：{name} 校验和不符")
                signing.verify_member(key, signature, name, target)
            return manifest
    except signing.SignatureError as exc:
        raise BackupError(exc.message) from None
    except (tarfile.TarError, EOFError, OSError, zlib.error, json.JSONDecodeError, UnicodeDecodeError,
            KeyError) as exc:
        raise BackupError(f"备份文件已损坏或不是备份文件：{type(exc).__name__}") from None


def _member_bytes(tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    src = tar.extractfile(member)
    if src is None:
        raise BackupError("备份文件已损坏：manifest.json 不可读")
    return src.read()


def _target_rows(url: str) -> int:
    engine = engine_for(url)
    try:
        with engine.connect() as conn:
            return sum(_counts(conn).values())
    except Exception:  # noqa: BLE001 - a database that cannot be opened yet counts as empty
        return 0
    finally:
        engine.dispose()


def _copy_sqlite(db_file: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    source, dest = sqlite3.connect(db_file), sqlite3.connect(target, timeout=30)
    try:
        with dest:
            source.backup(dest)
    finally:
        source.close()
        dest.close()


def _restore_postgres(db_file: Path, url: str, *, clean: bool) -> None:
    args, env = _pg_args(url)
    flags = ["--clean", "--if-exists"] if clean else []
    _run(["pg_restore", *flags, "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
          *args, str(db_file)], env, "pg_restore ")


def _pg_admin(url: str, statement: str) -> None:
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(statement))
    except Exception as exc:  # noqa: BLE001 - privileges or server state: tell the operator what failed
        raise BackupError(f"无法建立恢复用的临时数据库（需要 CREATEDB 权限）：{str(exc).splitlines()[0][:200]}") from None
    finally:
        admin.dispose()


def _check_files_tar(files_tar: Path) -> None:
    """Every member must be a plain file under a relative path: checked whole before anything is written."""
    with tarfile.open(files_tar, "r") as tar:
        for member in tar.getmembers():
            parts = Path(member.name).parts
            if not member.isfile() or member.name.startswith("/") or ".." in parts or not parts:
                raise BackupError(f"备份中的文件路径或类型不安全（链接、设备或“..”），已拒绝：{member.name[:80]}")


def _extract_files(files_tar: Path, into: Path) -> int:
    count = 0
    into.mkdir(parents=True)
    root = into.resolve()
    with tarfile.open(files_tar, "r") as tar:
        for member in tar.getmembers():
            target = (root / member.name).resolve()
            if root not in target.parents:  # belt and braces after _check_files_tar
                raise BackupError(f"备份中的文件路径不安全，已拒绝：{member.name[:80]}")
            target.parent.mkdir(parents=True, exist_ok=True)
            src = tar.extractfile(member)
            assert src is not None
            with target.open("wb") as fh:
                shutil.copyfileobj(src, fh)
            count += 1
    return count


def _verify(url: str, manifest: dict[str, Any], n_files: int) -> tuple[dict[str, int], int, list[str]]:
    engine_for(url).dispose()  # drop pooled connections opened on a file before it was replaced
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            counts, head = _counts(conn), _head(conn)
        with Session(engine) as session:
            result = audit.verify(session)
    finally:
        engine.dispose()
    problems = [f"表 {t} 行数 {counts.get(t)} ≠ 备份 {n}" for t, n in manifest["tables"].items() if counts.get(t) != n]
    if head["last_hash"] != manifest["audit_head"]["last_hash"]:
        problems.append("审计链末端与备份记录不一致")
    problems += result.problems
    if n_files != manifest["files"]:
        problems.append(f"文件数 {n_files} ≠ 备份 {manifest['files']}")
    return counts, result.checked, problems


def _swap_files(staged: Path, files_dir: Path) -> None:
    old = files_dir.with_name(f".{files_dir.name}.old-{secrets.token_hex(4)}")
    if files_dir.exists():
        os.replace(files_dir, old)
    os.replace(staged, files_dir)
    shutil.rmtree(old, ignore_errors=True)


def _swap_sqlite(staged: Path, url: str) -> None:
    target = _sqlite_path(url)
    engine_for(url).dispose()
    for suffix in ("-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    os.replace(staged, target)


def restore(archive: Path, *, url: str | None = None, files_dir: Path | None = None, force: bool = False,
            actor: Actor | None = None) -> RestoreReport:
    """Restore all or nothing: into a staging database and folder, verified (signature, row counts, audit
    chain and head, files) before the target is touched; raises BackupError with the reason otherwise."""
    settings = get_settings()
    url = url or settings.url
    files_dir = files_dir or settings.files_dir
    if not archive.is_file():
        raise BackupError(f"备份文件不存在：{archive}")
    backend = make_url(url).get_backend_name()
    suffix = secrets.token_hex(4)
    staged_files = files_dir.with_name(f".{files_dir.name}.restore-{suffix}")
    with tempfile.TemporaryDirectory(prefix="reform-restore-") as work_dir:
        work = Path(work_dir)
        manifest = read_manifest(archive, work)
        if manifest["backend"] != backend:
            raise BackupError(f"备份来自 {manifest['backend']}，不能恢复到 {backend}")
        existing_files = any(p.is_file() for p in files_dir.rglob("*")) if files_dir.exists() else False
        if not force and (_target_rows(url) > 0 or existing_files):
            raise BackupError("目标实例不是空的（已有数据或文件）；确认要覆盖请使用 --force")
        _check_files_tar(work / FILES_MEMBER)
        staged_db = _sqlite_path(url).with_name(_sqlite_path(url).name + f".restore-{suffix}") \
            if backend == "sqlite" else None
        staged_url = f"sqlite:///{staged_db}" if staged_db else \
            make_url(url).set(database=f"{make_url(url).database}_rs_{suffix}").render_as_string(hide_password=False)
        try:
            if staged_db is not None:
                _copy_sqlite(work / DB_MEMBERS["sqlite"], staged_db)
            else:
                _pg_admin(url, f'CREATE DATABASE "{make_url(staged_url).database}"')
                _restore_postgres(work / DB_MEMBERS["postgresql"], staged_url, clean=False)
            n_files = _extract_files(work / FILES_MEMBER, staged_files)
            counts, checked, problems = _verify(staged_url, manifest, n_files)
            if problems:
                raise BackupError("恢复校验失败，目标实例未作任何改动：" + "；".join(problems[:10]))
            # every check passed: swap the staged copies in
            if staged_db is not None:
                _swap_sqlite(staged_db, url)
            else:
                _restore_postgres(work / DB_MEMBERS["postgresql"], url, clean=True)  # one transaction
            _swap_files(staged_files, files_dir)
        finally:
            shutil.rmtree(staged_files, ignore_errors=True)
            if staged_db is not None:
                for extra in ("", "-wal", "-shm", "-journal"):
                    Path(str(staged_db) + extra).unlink(missing_ok=True)
            else:
                _pg_admin(url, f'DROP DATABASE IF EXISTS "{make_url(staged_url).database}" WITH (FORCE)')
    with engine_for(url).begin() as conn:
        sync_sequences(conn)
    counts, checked, problems = _verify(url, manifest, n_files)
    report = RestoreReport(archive, backend, counts, checked, n_files, problems)
    if problems:
        raise BackupError("恢复后校验失败：" + "；".join(problems[:10]))
    engine = engine_for(url)
    if actor is not None:
        _record(engine, actor, "ops.restore", {"archive": archive.name, "audit_checked": checked, "tables": counts})
    return report
