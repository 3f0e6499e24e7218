"""等保 入侵防范 (known vulnerabilities found and patched); checklist 30.

The gate script is exercised with a stand-in pip-audit so every branch (vulnerable, clean, offline,
partially audited) is checked here without network access.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "pip_audit.sh"


def test_streamlit_is_above_every_published_cve_fix() -> None:
    have = tuple(int(p) for p in version("streamlit").split(".")[:2])
    assert have >= (1, 54), "CVE-2026-33682 (GHSA-7p48-42j8-8846) fixed in 1.54.0"
    assert have >= (1, 61), "server.allowedHosts (streamlit#16386 hardening) arrived in 1.61.0"


def _run(tmp_path: Path, *, stdout: str, stderr: str = "", rc: int = 0) -> subprocess.CompletedProcess[str]:
    fake = tmp_path / "pip-audit"
    (tmp_path / "out.json").write_text(stdout, "utf-8")
    (tmp_path / "err.txt").write_text(stderr, "utf-8")
    fake.write_text(f"#!/bin/sh\ncat '{tmp_path}/out.json'\ncat '{tmp_path}/err.txt' >&2\nexit {rc}\n")
    fake.chmod(0o755)
    env = {**os.environ, "PIP_AUDIT": str(fake), "PYTHON": sys.executable}
    return subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60, check=False)


def _report(*deps: dict[str, object]) -> str:
    return json.dumps({"dependencies": list(deps), "fixes": []})


def test_found_vulnerability_fails(tmp_path: Path) -> None:
    res = _run(tmp_path, rc=1, stdout=_report(
        {"name": "jinja2", "version": "2.10", "vulns": [{"id": "PYSEC-2019-217", "fix_versions": ["2.10.1"]}]},
        {"name": "typer", "version": "0.12.0", "vulns": []}))
    assert res.returncode == 1 and "VULNERABLE jinja2" in res.stdout and "PYSEC-2019-217" in res.stdout


def test_clean_audit_passes(tmp_path: Path) -> None:
    res = _run(tmp_path, stdout=_report({"name": "typer", "version": "0.12.0", "vulns": []}))
    assert res.returncode == 0 and "OK no known vulnerabilities in 1" in res.stdout
    assert "WARNING" not in res.stdout


def test_unreachable_service_warns_and_passes(tmp_path: Path) -> None:
    res = _run(tmp_path, rc=1, stdout="", stderr="requests.exceptions.ConnectionError: Max retries exceeded")
    assert res.returncode == 0 and "WARNING vulnerability service unreachable" in res.stdout


def test_nothing_audited_is_not_reported_as_clean(tmp_path: Path) -> None:
    """pip-audit itself prints "No known vulnerabilities found" when every package was skipped."""
    res = _run(tmp_path, stdout=_report({"name": "typer", "version": "0.12.0",
                                         "skip_reason": "Dependency not found on PyPI"}))
    assert res.returncode == 0 and "could not be audited" in res.stdout and "NOT a clean result" in res.stdout


def test_unexpected_failure_is_an_error(tmp_path: Path) -> None:
    res = _run(tmp_path, rc=2, stdout="", stderr="usage: pip-audit: bad flag")
    assert res.returncode == 2


def test_script_is_executable() -> None:
    assert os.access(SCRIPT, os.X_OK) and SCRIPT.read_text().startswith("#!/usr/bin/env bash")
