"""Parse untrusted files in a child process with CPU-time, wall-time and memory limits.

A 5 KB workbook can declare a cell at XFD1048576 and a 10 MB document can hold 150 MB of XML; parsing
them inside the Streamlit process stalled every user's pages for minutes at over 1 GB. Every upload or
import is therefore parsed by ``python -m models.sandbox`` in a fresh interpreter that sets its own
``resource`` limits before reading the file. The parent only exchanges plain data with it: a JSON
header and the file bytes on stdin, one JSON object on stdout (never pickle: the child handles hostile
input, so nothing it sends back is executed). Whatever happens in the child (a crash, a limit, a
hang) the caller gets :class:`SandboxRefused` with a Chinese message.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from models.settings import Settings, get_settings


class SandboxRefused(Exception):
    """The file was refused in the worker (or the worker hit a limit); ``message`` is Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Limits:
    cpu_seconds: int
    wall_seconds: int
    memory_mb: int

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Limits:
        s = settings or get_settings()
        return cls(s.parse_cpu_seconds, s.parse_wall_seconds, s.parse_memory_mb)


def run(job: str, files: Sequence[tuple[str, bytes]], args: dict[str, Any] | None = None, *,
        limits: Limits | None = None) -> Any:
    """Run ``job`` on ``files`` in a limited child; returns the job's JSON result."""
    limits = limits or Limits.from_settings()
    header = {"job": job, "args": args or {}, "names": [name for name, _ in files],
              "sizes": [len(data) for _, data in files], "limits": limits.__dict__}
    payload = json.dumps(header, ensure_ascii=False).encode("utf-8") + b"\n" + b"".join(d for _, d in files)
    env = {k: v for k, v in os.environ.items() if k in {"PATH", "LANG", "LC_ALL", "HOME", "TMPDIR", "VIRTUAL_ENV"}}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    try:
        proc = subprocess.run([sys.executable, "-I", "-m", "models.sandbox"], input=payload, capture_output=True,
                              timeout=limits.wall_seconds, env=env, check=False)
    except subprocess.TimeoutExpired:
        raise SandboxRefused(f"文件解析超时（超过 {limits.wall_seconds} 秒），疑似构造的恶意文件，已拒绝") from None
    try:
        answer = json.loads(proc.stdout.decode("utf-8").strip().splitlines()[-1])
    except (ValueError, IndexError, UnicodeDecodeError):
        raise SandboxRefused(_death_message(proc.returncode, limits)) from None
    if not answer.get("ok"):
        raise SandboxRefused(str(answer.get("message") or "文件无法解析"))
    return answer["result"]


def _death_message(returncode: int, limits: Limits) -> str:
    if returncode == -signal.SIGXCPU:
        return f"文件解析耗时超过上限（{limits.cpu_seconds} 秒），疑似构造的恶意文件，已拒绝"
    return f"文件解析异常终止（可能超过 {limits.memory_mb} MB 内存上限），文件已损坏或为构造的恶意文件，已拒绝"


# ---------------------------------------------------------------- the child
def _job_plan(files: list[tuple[str, bytes]], args: dict[str, Any]) -> Any:
    from models.importing import parse_plan
    from models.workcalendar import WorkCalendar

    (name, data), = files
    office = args.get("calendar") or {}  # the office's entered 放假安排, as plain data
    calendar = WorkCalendar({date.fromisoformat(d): bool(w) for d, w in (office.get("overrides") or {}).items()},
                            official_years=office.get("years") or ())
    parsed = parse_plan(data, name, max_bytes=int(args["max_bytes"]), max_xml_part=int(args["max_xml_part"]),
                        calendar=calendar)
    return {"draft": parsed.to_dict(), "fingerprint": parsed.fingerprint}


def _job_check(files: list[tuple[str, bytes]], args: dict[str, Any]) -> Any:
    from models.filesafety import UploadRejected, check_upload

    results: list[dict[str, str]] = []
    for name, data in files:
        try:
            results.append({"kind": check_upload(data, name, allowed=set(args["allowed"]),
                                                 max_bytes=int(args["max_bytes"]),
                                                 max_xml_part=int(args["max_xml_part"]))})
        except UploadRejected as exc:
            results.append({"refused": exc.message})
    return results


JOBS: dict[str, Callable[[list[tuple[str, bytes]], dict[str, Any]], Any]] = {"plan": _job_plan, "check": _job_check}


def _limit_self(limits: dict[str, int]) -> None:
    import resource

    memory = limits["memory_mb"] * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (limits["cpu_seconds"], limits["cpu_seconds"] + 1))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _child() -> int:
    stdin = sys.stdin.buffer
    header = json.loads(stdin.readline().decode("utf-8"))
    _limit_self(header["limits"])
    files = [(name, stdin.read(size)) for name, size in zip(header["names"], header["sizes"], strict=True)]
    try:
        answer = {"ok": True, "result": JOBS[header["job"]](files, header["args"])}
    except MemoryError:
        answer = {"ok": False, "message": f"文件过于复杂，解析所需内存超过 {header['limits']['memory_mb']} MB 上限，已拒绝"}
    except Exception as exc:  # every failure of the parsers becomes a refusal with a Chinese message
        message = getattr(exc, "message", None)
        answer = {"ok": False, "message": message if isinstance(message, str) else "文件已损坏或结构异常，无法解析"}
    sys.stdout.write(json.dumps(answer, ensure_ascii=False) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(_child())
