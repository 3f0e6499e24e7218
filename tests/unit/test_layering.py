"""Conventions that keep the code easy to change (GUIDE §2/§3), enforced rather than hoped for."""
from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _imports(path: Path) -> set[str]:
    """Every absolute module a file imports, at top level or inside a function (lazy imports count too)."""
    tree = ast.parse(path.read_text("utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


PURE_CORE = ("models/workcalendar.py", "models/filesafety.py", "models/vocabulary.py", "models/scheduling",
             "models/importing", "models/documents")
# (files, module prefixes they must never import, why). docs/ARCHITECTURE.md draws the allowed arrows.
FORBIDDEN = [
    (("models",), ("prefect", "streamlit", "flows", "ui"), "the core and services know no shell"),
    (PURE_CORE, ("models.services", "models.db", "models.tables", "models.migrations", "sqlmodel",
                 "sqlalchemy", "alembic"), "the pure core works on plain data, without a database"),
    (("flows",), ("ui", "streamlit"), "flows wrap use cases; they never reach the web app or CLI"),
    (("ui",), ("prefect",), "entry points start use cases through flows.client, never Prefect directly"),
    (("models/services", *PURE_CORE), ("models.demo",), "demo and test data load through the services, above them"),
    (("models", "flows", "ui"), ("benchmarks",), "benchmarks are a development package that does not ship"),
    (("ui/app_pages",), ("models.db",), "pages read and write through the services, never a session of their own"),
]
# The one arrow a rule above allows by name: `reform bench` imports the benchmarks lazily, inside the command,
# and says so in Chinese when they are not installed.
ALLOWED = {("ui/cli/bench.py", "benchmarks")}


def _files(roots: tuple[str, ...]) -> list[Path]:
    out: list[Path] = []
    for root in roots:
        path = ROOT / root
        out += [path] if path.suffix == ".py" else sorted(path.rglob("*.py"))
    return out


def _hits(imported: set[str], prefixes: tuple[str, ...]) -> list[str]:
    return sorted(m for m in imported if any(m == p or m.startswith(p + ".") for p in prefixes))


def test_no_forbidden_arrow_between_layers() -> None:
    offenders = [f"{path.relative_to(ROOT)} → {m} ({why})"
                 for roots, prefixes, why in FORBIDDEN for path in _files(roots)
                 for m in _hits(_imports(path), prefixes)
                 if (path.relative_to(ROOT).as_posix(), m) not in ALLOWED]
    assert offenders == []


def test_benchmarks_do_not_ship() -> None:
    from setuptools import find_packages

    found = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]["packages"]["find"]
    shipped = find_packages(str(ROOT), include=found["include"], exclude=found.get("exclude", ()))
    assert "models" in shipped and "ui" in shipped
    assert [p for p in shipped if p.split(".")[0] in {"benchmarks", "tests"}] == []


def test_the_rule_checker_sees_lazy_imports(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from prefect import flow\n    import streamlit.runtime\n", "utf-8")
    assert _hits(_imports(probe), ("prefect", "streamlit")) == ["prefect", "streamlit.runtime"]


def test_critical_pins_are_locked() -> None:
    lock = (ROOT / "requirements.lock").read_text("utf-8").lower().splitlines()
    pins = {k.replace("_", "-"): v for k, v in (line.split("==", 1) for line in lock if "==" in line)}
    assert pins["prefect"] == "3.8.8"
    assert tuple(int(x) for x in pins["fastapi"].split(".")[:2]) < (0, 155)
    assert pins["sqlalchemy"].startswith("2.0.")
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["dependencies"]
    for req in declared:
        name = req.split("[")[0].split("=")[0].split("<")[0].split(">")[0].strip().lower().replace("_", "-")
        assert name in pins, f"{name} is declared but not locked"
