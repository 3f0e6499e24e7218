"""Every page, for every role, shows Chinese only where the project controls the words: no English
widget defaults ("Choose options", "Select all", "Page not found", "Submitting"), no lags written as
"2 months", no audit codes ("task.", "auth.login") and no raw status, kind or party codes."""
from __future__ import annotations

import re
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import update

from models.db import write_session
from models.services.actor import Actor
from models.tables import User
from tests.ui.conftest import goto, login
from ui.components.registry import pages_for

ROLES = {"office": "gaiban", "department": "chengguan", "staffing": "bianban", "leader": "lingdao",
         "sysadmin": "sysadmin", "secadmin": "anquan", "auditor": "shenji"}
ENGLISH = ["Page not found", "Choose options", "Choose an option", "Select all", "Submitting", "No options",
           "Running", "months", "workdays", " days", "task.", "auth.login", "handover.", "notice."]
CODES = re.compile(r"\b(not_started|in_progress|pending_review|pending|confirmed|rejected|draft|completed|voided|"
                   r"supervision|urging|reminder|interview|staff-transfer|staff|asset|archive|establishment|"
                   r"sender|receiver|supervisor|lead|responsible|supporting|red|yellow|green|done|task|handover|"
                   r"notice|plan|alert|success|denied|conflict|invalid)\b")
VISIBLE = ("label", "placeholder", "help", "body", "caption", "text", "options", "default_value")


def _proto_texts(proto: Any) -> list[str]:
    out: list[str] = []
    for field, value in proto.ListFields():
        if field.name in VISIBLE:
            out += [str(value)] if isinstance(value, str | int | float) else [str(v) for v in value]
    return out


def _walk(node: Any) -> list[str]:
    """The words a user can read on the page: element texts and labels, widget options and placeholders,
    table headers and cells (not keys, ids or file contents)."""
    out: list[str] = []
    value = getattr(node, "value", None) if node.type in ("dataframe", "arrow_data_frame") else None
    if isinstance(value, pd.DataFrame):
        out += [str(c) for c in value.columns] + [str(v) for v in value.astype(str).to_numpy().ravel()]
    proto = getattr(node, "proto", None)
    if proto is not None and hasattr(proto, "ListFields"):
        out += _proto_texts(proto)
        # an empty placeholder is filled in by the browser, in English ("Choose options", "Choose an option")
        if node.type == "multiselect" and not proto.placeholder.strip():
            out.append(f"Choose options ({proto.label})")
        # the browser offers an English "Select all" (picked by Enter) unless fewer may be chosen than offered
        if node.type == "multiselect" and len(proto.options) >= 2 and not 0 < proto.max_selections < len(proto.options):
            out.append(f"Select all ({proto.label})")
        if node.type == "selectbox" and not proto.HasField("default") and not proto.placeholder.strip():
            out.append(f"Choose an option ({proto.label})")
    for child in getattr(node, "children", {}).values():
        out += _walk(child)
    return out


# Streamlit's colour directives in markdown (":red[已逾期]") are styling: the user reads only the text
DIRECTIVE = re.compile(r":(?:red|orange|yellow|green|blue|violet|gray|grey|rainbow|primary)(?:-background|-badge)?\[")


def words(at: Any) -> str:
    return DIRECTIVE.sub("[", "\n".join(_walk(at._tree)))


def leaks(page: str) -> list[str]:
    """The offending lines (with the word found), so a failure says where."""
    found = []
    for line in page.splitlines():
        hits = [w for w in ENGLISH if w in line] + sorted({m.group(0) for m in CODES.finditer(line)})
        if hits:
            found.append(f"{'、'.join(hits)}: {line[:120]}")
    return found


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_of_every_role_is_in_chinese(shared_db, role):
    username = ROLES[role]
    with write_session() as session:  # the sysadmin's forced first password change is tested elsewhere
        session.execute(update(User).where(User.username == username).values(must_change_password=False))  # type: ignore[arg-type]
    at = login(username)
    pages = [p.path.removeprefix("app_pages/").removesuffix(".py") for p in pages_for(Actor(1, username, role, 1))]
    assert pages, role
    problems = {}
    for page in [*pages, "change_password"]:
        goto(at, page)
        found = leaks(words(at))
        if found:
            problems[page] = found
    assert not problems, "\n".join(f"{page}: {line}" for page, lines in problems.items() for line in lines)


def test_the_check_sees_english_and_codes():
    assert leaks("Choose options") == ["Choose options: Choose options"]
    assert leaks("任务\n二.2@2 months") == ["months: 二.2@2 months"]
    assert leaks("状态 in_progress") == ["in_progress: 状态 in_progress"]
    assert leaks("状态：推进中 → 待审核") == []
