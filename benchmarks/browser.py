"""Sign-in in a real browser: Debian Chromium (Playwright) against ``streamlit run ui/webapp.py``.

A sample is one fresh browser context (no cookie, nothing in the browser's cache): the login page is
loaded until the network is idle (what the seconds of typing give a user), the form is filled, and the
clock runs from the click on 登录 until the first page's heading and the 退出 button are on the screen —
what a user waits for. The AppTest figure in ``pages.py`` is the server's share of it.
"""
from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def available() -> bool:
    if not Path(CHROMIUM).exists():
        return False
    try:
        import playwright  # noqa: F401
    except ImportError:
        return False
    return True


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop(*procs: subprocess.Popen[bytes], timeout: float = 20) -> None:
    """Terminate child processes (servers, workers), killing any that do not exit in time."""
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()


def launch(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    """``streamlit run ui/webapp.py`` (the app and its session routes) on a free port, once healthy."""
    port = _free_port()
    proc = subprocess.Popen([str(Path(sys.executable).parent / "streamlit"), "run", "ui/webapp.py",
                             "--server.port", str(port), "--server.headless", "true",
                             "--browser.gatherUsageStats", "false"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(160):
        try:
            if urllib.request.urlopen(f"{base}/_stcore/health", timeout=1).status == 200:
                return proc, base
        except OSError:
            time.sleep(0.25)
    stop(proc)
    raise RuntimeError(f"streamlit did not start at {base}")


@contextmanager
def served(url: str, home: Path) -> Iterator[str]:
    proc, base = launch({**os.environ, "REFORM_DATABASE_URL": url, "REFORM_HOME": str(home)})
    try:
        yield base
    finally:
        stop(proc)


_ARRIVED = """heading => {
    const shown = el => el.offsetParent !== null;
    const titled = [...document.querySelectorAll("h1, h2, h3")].some(h => shown(h) && h.textContent.trim() === heading);
    const exit = [...document.querySelectorAll("button")].some(b => shown(b) && b.textContent.includes("退出"));
    return titled && exit;
}"""


def measure_signin(base: str, username: str, password: str, heading: str, runs: int) -> float:
    """Median seconds from the click on 登录 to the first page (``heading``) with the 退出 button; the first
    sample (Streamlit compiling the page scripts, Chromium's first start) is not counted."""
    from playwright.sync_api import sync_playwright

    samples: list[float] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            for _ in range(runs + 1):
                ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
                ctx.set_default_timeout(60000)
                page = ctx.new_page()
                page.goto(base)
                # a user takes seconds to type; the login page has loaded everything it asks for by then
                page.wait_for_load_state("networkidle")
                page.get_by_label("用户名").fill(username)
                page.get_by_label("口令").fill(password)
                page.wait_for_timeout(200)  # the form has registered both values
                started = time.perf_counter()
                page.get_by_role("button", name="登录").click()
                # checked at every animation frame (a locator's wait polls every 500 ms after the first few)
                page.wait_for_function(_ARRIVED, arg=heading, polling="raf")
                samples.append(time.perf_counter() - started)
                ctx.close()
        finally:
            browser.close()
    return statistics.median(samples[1:])
