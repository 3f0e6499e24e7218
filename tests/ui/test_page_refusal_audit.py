"""A page opened without its permission is refused *and audited* (issue #20 point 6: page refusals)."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest

from models.services import accounts
from tests.security.conftest import audit_rows
from tests.ui.conftest import PASSWORD, texts
from ui.components.session import TOKEN

UI = Path(__file__).resolve().parents[2] / "ui"


def test_forbidden_page_leaves_an_audit_event(app_db: Engine) -> None:
    token = accounts.login("chengguan", PASSWORD).token
    at = AppTest.from_file(str(UI / "app_pages" / "import_plan.py"), default_timeout=30)
    at.session_state[TOKEN] = token
    at.run()
    assert "无权访问此页面" in texts(at)
    event = audit_rows(app_db, action="page.view")[-1]
    assert (event.actor_name, event.outcome, event.object_id) == ("chengguan", "denied", "plan.import")
