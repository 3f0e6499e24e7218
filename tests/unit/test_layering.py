"""Conventions that keep the code easy to change (GUIDE §2/§3), enforced rather than hoped for."""
from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_models_never_import_prefect_or_streamlit() -> None:
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "models").rglob("*.py")
                 if _imports(p) & {"prefect", "streamlit"}]
    assert offenders == []


def test_every_command_module_registers() -> None:
    for path in (ROOT / "ui" / "commands").glob("*.py"):
        if path.name != "__init__.py":
            tree = ast.parse(path.read_text("utf-8"))
            assert any(isinstance(n, ast.FunctionDef) and n.name == "register" for n in tree.body), path.name


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
