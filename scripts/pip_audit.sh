#!/usr/bin/env bash
# Dependency vulnerability gate (等保 入侵防范: 发现并修补已知漏洞; ASVS 15.2 / checklist 30).
#
# Audits the project's virtualenv with pip-audit. Offline-safe: when the vulnerability service cannot
# be reached (no internet on this network) it prints a clear WARNING and exits 0, because "could not
# check" is not "vulnerable" -- but it never reports a pass it did not earn, and any vulnerability that
# *is* found fails the build (exit 1). An offline floor check for Streamlit (versions with published
# CVEs, see shared/reference/reliability_security.md §3.5) runs either way.
#
# Environment: PIP_AUDIT (pip-audit executable), PYTHON (interpreter of the audited venv).
set -uo pipefail
cd "$(dirname "$0")/.."

PIP_AUDIT="${PIP_AUDIT:-.venv/bin/pip-audit}"
PYTHON="${PYTHON:-.venv/bin/python}"
STREAMLIT_FLOOR="1.61.0"   # ≥1.54.0 fixes CVE-2026-33682; 1.61.0 adds server.allowedHosts (streamlit#16386)

# ---- offline floor check ------------------------------------------------------------------------
"$PYTHON" - "$STREAMLIT_FLOOR" <<'PY' || exit 1
import sys
from importlib.metadata import PackageNotFoundError, version

floor = tuple(int(p) for p in sys.argv[1].split("."))
try:
    have = version("streamlit")
except PackageNotFoundError:
    print("pip_audit: streamlit not installed; floor check skipped")
    sys.exit(0)
parts = tuple(int(p) for p in have.split(".")[:3] if p.isdigit())
if parts < floor:
    print(f"pip_audit: FAIL streamlit {have} < {sys.argv[1]} (known vulnerabilities, see reliability_security.md §3.5)")
    sys.exit(1)
print(f"pip_audit: streamlit {have} >= {sys.argv[1]} (no known CVE affects it)")
PY

# ---- online audit ---------------------------------------------------------------------------------
if [ -f requirements.lock ]; then
  ARGS=(-r requirements.lock --no-deps --disable-pip)
else
  ARGS=(-l)
fi
OUT="$(mktemp)"; ERR="$(mktemp)"
trap 'rm -f "$OUT" "$ERR"' EXIT
"$PIP_AUDIT" "${ARGS[@]}" --format json --progress-spinner off >"$OUT" 2>"$ERR"
RC=$?

"$PYTHON" - "$OUT" "$ERR" "$RC" <<'PY'
import json
import re
import sys

out_path, err_path, rc = sys.argv[1], sys.argv[2], int(sys.argv[3])
stderr = open(err_path, encoding="utf-8", errors="replace").read()
try:
    report = json.load(open(out_path, encoding="utf-8"))
except (OSError, ValueError):
    report = None

NETWORK = re.compile(r"ConnectionError|Max retries|Failed to establish|NameResolution|Temporary failure in name"
                     r"|ConnectTimeout|ReadTimeout|ProxyError|Network is unreachable|SSLError|timed out", re.I)
if report is None:
    if NETWORK.search(stderr):
        print("pip_audit: WARNING vulnerability service unreachable; dependencies were NOT audited.")
        print("pip_audit: re-run where PyPI/OSV is reachable (or with a mirror) before release.")
        sys.exit(0)
    print(f"pip_audit: ERROR pip-audit failed (exit {rc}):\n{stderr.strip()[-2000:]}")
    sys.exit(2)

deps = report.get("dependencies", [])
vulnerable = [d for d in deps if d.get("vulns")]
skipped = [d for d in deps if d.get("skip_reason")]
for d in vulnerable:
    for v in d["vulns"]:
        fixes = ", ".join(v.get("fix_versions") or []) or "no fix yet"
        print(f"pip_audit: VULNERABLE {d['name']} {d.get('version')}: {v.get('id')} (fixed in: {fixes})")
if vulnerable:
    print(f"pip_audit: FAIL {len(vulnerable)} vulnerable package(s)")
    sys.exit(1)
audited = len(deps) - len(skipped)
if skipped:
    print(f"pip_audit: WARNING {len(skipped)} of {len(deps)} package(s) could not be audited "
          f"(e.g. {skipped[0]['name']}: {skipped[0]['skip_reason']}).")
    print("pip_audit: the vulnerability service is probably unreachable; this is NOT a clean result.")
print(f"pip_audit: OK no known vulnerabilities in {audited} audited package(s)")
sys.exit(0)
PY
