"""Notification benchmark: a scan that notifies 1,000 units, every channel up vs. one channel down.

Each unit leads one red task and has one 企业微信 robot channel on a local endpoint that answers like the
platform (``{"errcode": 0}``). The same scan (``scan.run_scan``: lights, alerts, receipts, messages,
deliveries through the thread pool) runs with every channel up, then with one unit's channel pointing at
a port nobody listens on (a killed sink), and once more at an endpoint that accepts and never answers (a
hung sink, 1 s channel timeout). Alert, delivery and receipt rows are deleted between runs so each does the full
work. ``scan_notify_dead_channel_ratio`` = down / up (target ≤ 2×).
"""
from __future__ import annotations

import json
import socket
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.engine import Engine
from sqlmodel import select

from benchmarks import median_time
from models.db import engine_for, write_session
from models.migrate import upgrade
from models.services import channels, scan
from models.services.actor import Actor
from models.tables import Alert, Delivery, NotificationChannel, Plan, Receipt, Task, TaskUnit, Unit

TODAY = date(2026, 11, 21)
ADMIN = Actor.system("bench")


class _Ok(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802 (http.server API)
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        data = json.dumps({"errcode": 0, "errmsg": "ok"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@contextmanager
def _sink() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def _hung() -> Iterator[str]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        listener.close()


def _refused() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def _database(tmp: Path, units: int, base: str) -> Engine:
    url = f"sqlite:///{tmp / 'notify.db'}"
    upgrade(url)
    engine = engine_for(url)
    with write_session(engine) as s:
        plan = Plan(title="通知基准方案")
        s.add(plan)
        s.flush()
        for i in range(units):
            unit = Unit(name=f"基准单位{i:04d}")
            s.add(unit)
            s.flush()
            task = Task(plan_id=plan.id or 0, code=f"B.{i}", title=f"基准任务{i}", status="in_progress", light="red",
                        deadline=TODAY - timedelta(days=5), red_since=TODAY, percent=20)
            s.add(task)
            s.flush()
            s.add(TaskUnit(task_id=task.id or 0, unit_id=unit.id, role="lead", written_name=unit.name))
    for i in range(units):
        channels.add_robot(ADMIN, unit_name=f"基准单位{i:04d}", kind="wecom", base_url=base, token="bench",
                           timeout_s=1.0, engine=engine)
    return engine


def _reset(engine: Engine) -> None:
    with write_session(engine) as s:
        s.execute(delete(Delivery))
        s.execute(delete(Receipt))
        s.execute(delete(Alert))


def _point_first(engine: Engine, base: str) -> None:
    with write_session(engine) as s:
        first = min(c.id or 0 for c in s.exec(select(NotificationChannel)).all())
        s.execute(update(NotificationChannel).where(NotificationChannel.id == first)  # type: ignore[arg-type]
                  .values(url=base))


def _notify(engine: Engine) -> dict[str, int]:
    """The whole scan (lights, alerts, 督办通知单 none yet, notifications), as the daily run does it."""
    return dict(scan.run_scan(TODAY, engine=engine, backoff_s=0)["notify"])


def bench(*, quick: bool = False) -> dict[str, float]:
    """``quick`` notifies 200 units under the same keys; the full run 1,000."""
    units = 200 if quick else 1000
    runs = 3 if quick else 5
    with tempfile.TemporaryDirectory() as tmp, _sink() as up:
        engine = _database(Path(tmp), units, up)
        stats = _notify(engine)
        assert stats["sent"] == units, stats
        all_up = median_time(lambda: _notify(engine), runs, reset=lambda: _reset(engine))
        _point_first(engine, _refused())
        down = median_time(lambda: _notify(engine), runs, reset=lambda: _reset(engine))
        with _hung() as hung:
            _point_first(engine, hung)
            hung_s = median_time(lambda: _notify(engine), runs, reset=lambda: _reset(engine))
        engine.dispose()
    print(f"scan notifying {units} units: all up {all_up:.3f} s, one channel down {down:.3f} s "
          f"(ratio {down / all_up:.2f}×), one channel hung {hung_s:.3f} s (ratio {hung_s / all_up:.2f}×)")
    return {"scan_notify_units": units, "scan_notify_up_s": round(all_up, 3), "scan_notify_dead_channel_s": round(down, 3),
            "scan_notify_hung_channel_s": round(hung_s, 3), "scan_notify_dead_channel_ratio": round(down / all_up, 2),
            "scan_notify_hung_channel_ratio": round(hung_s / all_up, 2)}
