"""The whole product runs offline: ``reform up`` (database, demo, first scan, Prefect server, deployments,
web app) inside a network namespace that has only loopback (``unshare -rn``), and every socket connect
and name lookup made by any of its Python processes is recorded (a ``sys.addaudithook`` installed through
``sitecustomize``). Nothing may try to reach anything but 127.0.0.1/::1 or a Unix socket: no telemetry,
no update checks, no CDN — a government intranet deployment has no route out, and must not need one.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

HOOK = textwrap.dedent('''
    import os, sys
    _log = os.environ.get("NETWORK_AUDIT_LOG")
    def _hook(event, args):
        if event in ("socket.connect", "socket.getaddrinfo", "socket.sendto") and _log:
            try:
                target = args[1] if event != "socket.getaddrinfo" else args[0]
                line = ("%s\\t%d\\t%r\\n" % (event, os.getpid(), target)).encode()
                fd = os.open(_log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                os.write(fd, line)
                os.close(fd)
            except Exception:
                pass
    if _log:
        sys.addaudithook(_hook)
''')

DRIVER = textwrap.dedent('''
    import os, signal, subprocess, sys, time, urllib.request
    reform = sys.argv[1]
    proc = subprocess.Popen([reform, "up", "--port", "18501", "--prefect-port", "14200"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    pages = {}
    try:
        deadline = time.time() + 240
        for url in ("http://127.0.0.1:14200/api/health", "http://127.0.0.1:18501/_stcore/health"):
            while time.time() < deadline:
                try:
                    with urllib.request.urlopen(url, timeout=2) as response:
                        pages[url] = response.status
                        break
                except OSError:
                    time.sleep(1)
        with urllib.request.urlopen("http://127.0.0.1:18501/", timeout=10) as response:
            pages["/"] = response.status
        time.sleep(15)  # let the servers settle: telemetry and update checks usually fire after start
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    print(pages)
''')

LOOPBACK = ("'127.", "('127.", "'::1'", "('::1'", "'localhost'", "('localhost'", "None")


@pytest.mark.slow
def test_the_product_never_tries_to_reach_outside(tmp_path: Path) -> None:
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        pytest.fail("unshare and ip are needed (util-linux, iproute2)")
    hook_dir = tmp_path / "hook"
    hook_dir.mkdir()
    (hook_dir / "sitecustomize.py").write_text(HOOK, "utf-8")
    (tmp_path / "driver.py").write_text(DRIVER, "utf-8")
    log = tmp_path / "network.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REFORM_", "PREFECT_"))}
    env.update({"REFORM_HOME": str(tmp_path / "home"), "NETWORK_AUDIT_LOG": str(log),
                "PYTHONPATH": str(hook_dir), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"})
    reform = str(Path(sys.executable).with_name("reform"))
    proc = subprocess.run(["unshare", "-rn", "sh", "-c",
                           f'ip link set lo up && exec "{sys.executable}" "{tmp_path / "driver.py"}" "{reform}"'],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=420, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    pages = proc.stdout.strip().splitlines()[-1]
    assert "'/': 200" in pages and "14200/api/health': 200" in pages and "18501/_stcore/health': 200" in pages, pages
    events = log.read_text("utf-8").splitlines()
    assert any(e.startswith("socket.connect") for e in events), "the hook saw no connection at all"
    outside = [e for e in events if not any(mark in e.split("\t", 2)[2] for mark in LOOPBACK)
               and "AF_UNIX" not in e and not e.split("\t", 2)[2].startswith(("'/", "b'"))]
    assert not outside, json.dumps(outside[:20], ensure_ascii=False, indent=1)
