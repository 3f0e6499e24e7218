"""ASVS 5.3.2/5.4.1/8.2.2 (downloads re-checked, server-built names), 1.2.1/3.2.2 (no unescaped HTML
sinks), 16.5.1 (no stack traces to users).
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from models.db import write_session
from models.services import files, notices
from models.services.errors import NotFound, PermissionDenied
from models.tables import Notice, Task
from tests.factories import actor

ROOT = Path(__file__).resolve().parents[2]


def _notice(engine: Engine, title: str) -> Notice:
    with write_session(engine) as s:
        task = s.exec(select(Task).where(Task.code == "四.3")).one()
        stored, digest = files.store_bytes("notices", b"PK\x03\x04 fake docx", "docx")
        n = Notice(kind="supervision", code="县改革办督", year=2026, seq=901, doc_number="县改革办督〔2026〕901号",
                   title=title, stored_name=stored, sha256=digest, task_id=task.id)
        s.add(n)
        s.flush()
        return n


def test_department_cannot_download_another_units_notice(demo: Engine) -> None:
    n = _notice(demo, "关于督办城市管理执法队伍整合的通知")
    with pytest.raises(PermissionDenied):
        notices.download(actor(demo, "caizheng"), n.id or 0, engine=demo)   # 县财政局: not on task 四.3
    with pytest.raises(NotFound):
        notices.download(actor(demo, "caizheng"), 99999, engine=demo)
    name, data = notices.download(actor(demo, "chengguan"), n.id or 0, engine=demo)  # the lead unit
    assert data.startswith(b"PK") and name.startswith("县改革办督〔2026〕901号_")
    assert notices.download(actor(demo, "lingdao"), n.id or 0, engine=demo)[1] == data
    with pytest.raises(PermissionDenied):
        notices.download(actor(demo, "shenji"), n.id or 0, engine=demo)     # auditor: no business data


def test_download_name_is_server_built_even_for_hostile_titles(demo: Engine) -> None:
    n = _notice(demo, '../../etc/passwd\r\nContent-Type: text/html<script>"x"')
    name, _ = notices.download(actor(demo, "chengguan"), n.id or 0, engine=demo)
    assert not any(ch in name for ch in '/\\\r\n"<>:*?|')
    assert name.endswith(".docx")


def test_stored_file_reader_refuses_paths() -> None:
    for bad in ("../reform.db", "a/b.docx", ".hidden", "..\\x"):
        with pytest.raises(ValueError):
            files.read_stored("notices", bad)


# ---------------------------------------------------------------- HTML sinks in the UI
SINK_FUNCS = {"html"}  # st.html, components.html, components.v1.html
ESCAPERS = {"escape"}  # html.escape / markupsafe.escape
# builders that escape every value they put in (each has its own test of that: tests/ui/test_session_cookie.py,
# tests/ui/test_access.py for the login page's module preload)
SAFE_BUILDERS = {"handoff_html", "preload_html"}


def _is_escaped(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and (
        (isinstance(node.func, ast.Attribute) and node.func.attr in ESCAPERS)
        or (isinstance(node.func, ast.Name) and node.func.id in ESCAPERS))


def _is_safe(node: ast.AST) -> bool:
    """Constant text, escaped text, or f-strings / concatenations / %-formats built only from those."""
    if isinstance(node, ast.Constant):
        return True
    if _is_escaped(node):
        return True
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in SAFE_BUILDERS:
        return True
    if isinstance(node, ast.JoinedStr):
        return all(isinstance(v, ast.Constant) or (isinstance(v, ast.FormattedValue) and _is_safe(v.value))
                   for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        right = node.right.elts if isinstance(node.right, ast.Tuple) else [node.right]
        return _is_safe(node.left) and all(_is_safe(r) for r in right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return _is_safe(node.func.value) and all(_is_safe(a) for a in node.args) and \
            all(_is_safe(k.value) for k in node.keywords)
    return False


def html_sink_problems(source: str, filename: str = "<src>") -> list[str]:
    problems = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        unsafe_kw = any(k.arg == "unsafe_allow_html" and not (isinstance(k.value, ast.Constant) and
                                                               k.value.value is False) for k in node.keywords)
        is_sink = (isinstance(node.func, ast.Attribute) and node.func.attr in SINK_FUNCS) or \
            (isinstance(node.func, ast.Name) and node.func.id in SINK_FUNCS)  # from …components.v1 import html
        if not (unsafe_kw or is_sink):
            continue
        args = list(node.args) + [k.value for k in node.keywords if k.arg in {"body", "html", "text"}]
        if not args or not all(_is_safe(a) for a in args[:1]):
            problems.append(f"{filename}:{node.lineno}: HTML sink with text that is not constant or html.escape()d")
    return problems


def test_the_sink_checker_itself() -> None:
    bad = [
        'st.markdown(f"<b>{task.title}</b>", unsafe_allow_html=True)',
        'st.html(note)',
        'components.html("<div>" + name + "</div>")',
        'st.markdown("<p>%s</p>" % title, unsafe_allow_html=True)',
        'st.write("<i>{}</i>".format(unit), unsafe_allow_html=True)',
        'html(f"<div>{row[\'title\']}</div>", height=80)',
        'st.markdown(body=text, unsafe_allow_html=True)',
    ]
    good = [
        'st.markdown("<hr/>", unsafe_allow_html=True)',
        'st.markdown(f"<b>{html.escape(task.title)}</b>", unsafe_allow_html=True)',
        'st.html("<p>" + escape(name) + "</p>")',
        'st.markdown(title)',
        'st.markdown(title, unsafe_allow_html=False)',
    ]
    assert all(html_sink_problems(src) for src in bad)
    assert not any(html_sink_problems(src) for src in good)


def test_ui_has_no_unescaped_html_sinks() -> None:
    problems = []
    for path in sorted((ROOT / "ui").rglob("*.py")):
        problems += html_sink_problems(path.read_text("utf-8"), str(path.relative_to(ROOT)))
    assert not problems, "\n".join(problems)
