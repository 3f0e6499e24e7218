"""Role → permission matrix (三权分立) and unit scoping.

Business roles change business data; ``sysadmin`` manages accounts and configuration, ``secadmin``
assigns roles and unlocks accounts, ``auditor`` reads and verifies the audit trail. Nobody may alter
audit rows (the database refuses it); only the auditor may run the retention purge, and the auditor
has no business or account permission — a test checks that no role holds both sides.
"""
from __future__ import annotations

from sqlmodel import Session, col, select

from models.services.actor import Actor
from models.services.errors import PermissionDenied
from models.tables import Task, TaskUnit, UnitGroupMember
from models.vocabulary import Role

ROLE_LABELS = Role.labels()

VIEW = {"dashboard.view", "task.view", "ranking.view"}
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "office": frozenset(VIEW | {
        "task.admin", "task.review", "plan.import", "handover.admin", "notice.issue", "notice.view",
        "alert.manage", "schedule.run", "holiday.manage", "notice.agency",
    }),
    "department": frozenset({"task.view", "task.report", "handover.confirm", "handover.edit", "notice.view"}),
    "staffing": frozenset(VIEW | {"notice.issue", "notice.view", "handover.confirm", "handover.edit", "task.report"}),
    "leader": frozenset(VIEW | {"notice.view", "instruction.write"}),  # 批示 and 关注, never task data
    "sysadmin": frozenset({"user.manage", "unit.manage", "config.manage", "holiday.manage"}),
    "secadmin": frozenset({"user.roles", "user.unlock", "session.revoke"}),
    "auditor": frozenset({"audit.view", "audit.verify", "audit.purge"}),
    "system": frozenset({
        "task.admin", "task.review", "schedule.run", "alert.manage", "notice.issue", "notice.view", "plan.import",
        "handover.admin", "user.manage", "user.roles", "unit.manage", "config.manage", "holiday.manage", "task.view",
        "dashboard.view", "notice.agency",
    }),
}
BUSINESS_OR_ACCOUNT = {
    "task.admin", "task.review", "task.report", "plan.import", "handover.admin", "handover.confirm", "handover.edit",
    "notice.issue", "notice.agency", "alert.manage", "user.manage", "user.roles", "unit.manage", "config.manage",
}
AUDIT_CONTROL = {"audit.purge"}
ADMIN_ROLES = frozenset({"sysadmin", "secadmin", "auditor"})
UNIT_SCOPED_ROLES = {"department", "staffing"}


def has(actor: Actor, perm: str) -> bool:
    return perm in ROLE_PERMISSIONS.get(actor.role, frozenset())


def require(actor: Actor, perm: str) -> None:
    if not has(actor, perm):
        raise PermissionDenied(f"无权执行此操作（{ROLE_LABELS.get(actor.role, actor.role)}）")


def unit_and_groups(session: Session, unit_id: int) -> set[int]:
    """The unit plus every group unit it belongs to (各镇人民政府 stands for each town): whose tasks,
    handover steps and notices the unit acts on and sees."""
    groups = session.exec(select(UnitGroupMember.group_id).where(UnitGroupMember.member_id == unit_id)).all()
    return {unit_id, *groups}


def group_members(session: Session) -> dict[int, set[int]]:
    """Each group unit → its member units (the other direction of ``unit_and_groups``): a task of 各镇人民政府
    is answered, notified and scored for each town."""
    members: dict[int, set[int]] = {}
    for group_id, member_id in session.execute(select(col(UnitGroupMember.group_id), col(UnitGroupMember.member_id))):
        members.setdefault(group_id, set()).add(member_id)
    return members


def actor_unit_ids(session: Session, actor: Actor) -> set[int]:
    """The actor's unit plus every group unit it belongs to (none for an actor without a unit)."""
    return set() if actor.unit_id is None else unit_and_groups(session, actor.unit_id)


def task_units(session: Session, task_id: int, roles: tuple[str, ...]) -> set[int]:
    rows = session.exec(
        select(TaskUnit.unit_id).where(TaskUnit.task_id == task_id, TaskUnit.role.in_(roles))  # type: ignore[attr-defined]
    ).all()
    return {r for r in rows if r is not None}


def require_task_actor(session: Session, actor: Actor, task: Task) -> None:
    """Departments may act only on tasks where their unit (or a group containing it) leads or is responsible."""
    require(actor, "task.report")
    if actor.role not in UNIT_SCOPED_ROLES:
        return
    assert task.id is not None
    if not (task_units(session, task.id, ("lead", "responsible")) & actor_unit_ids(session, actor)):
        raise PermissionDenied(f"任务 {task.code} 不属于本单位，无权操作")
