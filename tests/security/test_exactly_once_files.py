"""Effects outside the database happen once (issue #20 point 5), shown with real SIGKILLed processes.

Before: a killed scan left a notice file carrying a 文号 that was later allocated again, killed web
writes left orphan evidence and ``.part`` files (copied into backups), and the run record stayed
"running" forever. Now files are staged and moved into place only after the commit, start-up recovery
finishes or discards what a killed process left, and stale run records are closed as failed.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import tarfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import select

from models.db import read_session, write_session
from models.services import backup as bk
from models.services import files, notices, steps, tasks
from models.services.errors import Invalid
from models.services.files import staging_dir, storage_dir
from models.services.startup import STALE_MESSAGE, recover
from models.services.uow import transaction
from models.settings import get_settings
from models.tables import Evidence, Notice, OpsRun, Task
from tests.factories import actor
from tests.security.conftest import audit_rows

TODAY = date(2026, 11, 21)

CHILD = """
import sys, time
from datetime import date
from models.services import files, notices
from models.services.actor import Actor
from models.db import engine_for
hook = sys.argv[1]
original = getattr(files, hook)
def paused(*args, **kwargs):
    result = original(*args, **kwargs) if hook == "store_after_commit" else None  # pause after staging,
    print("PAUSED", flush=True)                                                 # or before the move
    time.sleep(120)
    return result
setattr(files, hook, paused)
engine = engine_for(sys.argv[2])
notices.issue(Actor.system("scan"), "supervision", notices.Subject(task_id=int(sys.argv[3])),
              today=date(2026, 11, 21), engine=engine)
"""


def _kill_issue_at(engine: Engine, hook: str, task_id: int) -> None:
    """Start a real process issuing a 督办通知单, let it reach ``hook``, then SIGKILL it."""
    env = {**os.environ, "REFORM_HOME": str(get_settings().home)}
    proc = subprocess.Popen([sys.executable, "-c", CHILD, hook, engine.url.render_as_string(hide_password=False),
                             str(task_id)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.strip() == b"PAUSED", proc.stderr.read() if proc.stderr else line
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)


def _task(engine: Engine, code: str = "四.3") -> Task:
    with read_session(engine) as s:
        return s.exec(select(Task).where(Task.code == code)).one()


def _notices(engine: Engine) -> list[Notice]:
    with read_session(engine) as s:
        return list(s.exec(select(Notice).order_by(Notice.id)).all())  # type: ignore[arg-type]


def test_killed_before_commit_leaves_no_file_with_a_reusable_doc_number(demo: Engine) -> None:
    task = _task(demo)
    before = _notices(demo)
    stored_before = set(p.name for p in storage_dir("notices").iterdir())
    _kill_issue_at(demo, "store_after_commit", task.id or 0)  # the file is written, the row not committed
    assert _notices(demo) == before
    assert set(p.name for p in storage_dir("notices").iterdir()) == stored_before  # nothing visible
    assert any(staging_dir("notices").iterdir())
    stats = recover(engine=demo)
    assert stats["removed_staged"] >= 1 and not any(staging_dir("notices").iterdir())
    notice = notices.issue(actor(demo, "gaiban"), "supervision", notices.Subject(task_id=task.id), today=TODAY,
                           engine=demo)
    # the number the killed run had rendered into its file is allocated now, and exists in one file only
    new_files = set(p.name for p in storage_dir("notices").iterdir()) - stored_before
    assert new_files == {notice.stored_name}
    assert audit_rows(demo, action="ops.recover_files")


def test_killed_after_commit_is_completed_at_start_up(demo: Engine) -> None:
    task = _task(demo)
    _kill_issue_at(demo, "publish", task.id or 0)  # committed; killed before the file was moved
    notice = _notices(demo)[-1]
    assert notice.stored_name and (staging_dir("notices") / notice.stored_name).exists()
    assert recover(engine=demo)["published"] >= 1
    name, data = notices.download(actor(demo, "gaiban"), notice.id or 0, engine=demo)
    assert name.startswith(notice.doc_number) and data[:2] == b"PK"


def test_a_file_staged_by_a_failing_transaction_never_reaches_the_store(demo: Engine) -> None:
    before = {p.name for p in storage_dir("evidence").iterdir()}
    staged: list[str] = []
    with pytest.raises(Invalid), transaction(actor(demo, "chengguan"), "task.progress", "task", engine=demo) as tx:
        staged.append(files.store_after_commit(tx, "evidence", b"evidence", "txt")[0])
        assert (staging_dir("evidence") / staged[0]).exists()
        raise Invalid("后续检查失败")
    assert {p.name for p in storage_dir("evidence").iterdir()} == before
    assert not (staging_dir("evidence") / staged[0]).exists()
    who, task = actor(demo, "chengguan"), _task(demo)  # and a successful one is in the store at once
    tasks.report_progress(who, task_id=task.id or 0, expected_version=task.version, percent=50,
                          uploads=[tasks.Upload("ok.txt", "现场情况".encode())], engine=demo)
    with read_session(demo) as s:
        ev = s.exec(select(Evidence).order_by(Evidence.id.desc())).first()  # type: ignore[union-attr]
    assert ev is not None and (storage_dir("evidence") / ev.stored_name).exists()


def test_recovery_removes_partial_and_orphan_files_and_backups_skip_them(demo_sqlite: Engine, tmp_path: Path) -> None:
    part = storage_dir("evidence") / "deadbeef.pdf.part"
    orphan = storage_dir("evidence") / "0123456789abcdef0123456789abcdef.pdf"
    fresh = storage_dir("evidence") / "fedcba9876543210fedcba9876543210.pdf"
    for path in (part, orphan, fresh):
        path.write_bytes(b"%PDF-1.4\n%%EOF\n")
    old = time.time() - 3600
    os.utime(orphan, (old, old))
    (staging_dir("evidence") / "feedface.pdf").write_bytes(b"x")
    archive = bk.backup(tmp_path / "out", url=demo_sqlite.url.render_as_string(hide_password=False))
    with tarfile.open(archive) as tar, tarfile.open(fileobj=tar.extractfile("files.tar")) as files_tar:
        names = files_tar.getnames()
    assert not any(n.endswith(".part") or n.startswith(".") for n in names)
    stats = recover(engine=demo_sqlite)
    assert not part.exists() and not orphan.exists() and fresh.exists()  # young files get a grace period
    assert stats["removed_partial"] >= 1 and stats["removed_orphans"] >= 1
    fresh.unlink()


def test_stale_running_records_are_closed_as_failed(demo: Engine) -> None:
    stale, current = steps.start_run("scan", engine=demo), steps.start_run("scan", engine=demo)
    with write_session(demo) as session:
        session.execute(update(OpsRun).where(OpsRun.id == stale).values(  # type: ignore[arg-type]
            started_at=datetime.now(UTC) - timedelta(hours=5)))
    assert recover(engine=demo)["closed_runs"] == 1
    with read_session(demo) as session:
        rows = {r.id: r for r in session.exec(select(OpsRun)).all()}
    assert rows[stale].status == "failed" and rows[stale].stats["error"] == STALE_MESSAGE
    assert rows[current].status == "running"
    assert audit_rows(demo, action="ops.recover_runs")[-1].after == {"closed": 1}
