"""The vocabulary names every code the rest of the code knows, with the value the database stores."""
from __future__ import annotations

from pathlib import Path

from models.documents import KINDS
from models.services.handover_items import REQUIRED, SUPERVISORS
from models.services.permissions import ROLE_PERMISSIONS
from models.services.tasks import TRANSITIONS
from models.vocabulary import FINISHED, STAFFING_NOTICE_KINDS, UNFINISHED, HandoverKind, NoticeKind, Role, TaskStatus

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "notices"


def test_members_are_the_stored_strings_with_a_label() -> None:
    assert TaskStatus("pending_review") is TaskStatus.PENDING_REVIEW and TaskStatus.DONE == "done"
    assert f"{TaskStatus.DONE}" == "done" and TaskStatus.DONE.label == "已办结"
    assert TaskStatus.labels() == {"not_started": "未开始", "in_progress": "推进中", "pending_review": "待审核",
                                   "done": "已办结"}
    assert set(FINISHED) | set(UNFINISHED) == set(TaskStatus) and not set(FINISHED) & set(UNFINISHED)


def test_every_task_status_is_reachable_in_the_state_machine() -> None:
    assert {s for s, _ in TRANSITIONS} | set(TRANSITIONS.values()) == set(TaskStatus)


def test_notice_kinds_are_the_document_kinds_each_with_its_template() -> None:
    assert set(KINDS) == set(NoticeKind)
    assert all((TEMPLATES / f"{kind}.toml").exists() for kind in NoticeKind)
    assert {k for k, spec in KINDS.items() if spec.agency == "staffing"} == STAFFING_NOTICE_KINDS


def test_handover_kinds_and_roles_match_their_rules() -> None:
    assert set(REQUIRED) == set(SUPERVISORS) == set(HandoverKind)
    assert set(ROLE_PERMISSIONS) - {"system"} == set(Role)
