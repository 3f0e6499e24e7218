"""Database tables (SQLModel). Business rules live in ``models.services``; these are the facts.

Unique constraints carry the idempotency guarantees the flows rely on: one alert per task, level and
day; one notice per idempotency key; one 文号 per (代字, year, sequence).
"""
from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, DateTime, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def _ts(**kw: Any) -> Any:
    return Field(default_factory=utcnow, sa_type=DateTime(timezone=True), **kw)


def _json(default: Any = None) -> Any:
    factory = (lambda: list(default)) if isinstance(default, list) else (lambda: dict(default or {}))
    return Field(default_factory=factory, sa_column=Column(JSON, nullable=False))


# ---------------------------------------------------------------- units and people
class Unit(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True, max_length=120)
    short_name: str | None = Field(default=None, max_length=60)
    kind: str = Field(default="department", max_length=20)  # department|town|street|office|group|party|other (块 = town|street)
    parent_id: int | None = Field(default=None, foreign_key="unit.id")
    is_group: bool = False


class UnitGroupMember(SQLModel, table=True):
    group_id: int = Field(foreign_key="unit.id", primary_key=True)
    member_id: int = Field(foreign_key="unit.id", primary_key=True)


class UnitAlias(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    alias: str = Field(index=True, unique=True, max_length=120)
    unit_id: int = Field(foreign_key="unit.id", index=True)


class NotificationChannel(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    url: str = Field(max_length=500)  # apprise URL (mailto://, json://) or a robot's base URL (no secrets)
    label: str = Field(default="", max_length=60)
    enabled: bool = True
    kind: str = Field(default="apprise", max_length=12)  # apprise|dingtalk|wecom|feishu
    secret_enc: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # Fernet: token + secret
    keyword: str = Field(default="", max_length=40)  # the robot's 自定义关键词, put into every message
    timeout_s: float | None = None  # overrides REFORM_NOTIFY_TIMEOUT_S for this channel


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(index=True, unique=True, max_length=60)
    display_name: str = Field(max_length=60)
    role: str = Field(max_length=20)
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    email: str | None = Field(default=None, max_length=120)
    password_hash: str = Field(default="", max_length=200)
    password_changed_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    must_change_password: bool = True
    is_active: bool = True
    failed_attempts: int = 0
    locked_until: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    sessions_valid_after: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    version: int = 1
    created_at: datetime = _ts()
    # second factor (TOTP, RFC 6238): required for the administrator roles, optional for others
    totp_required: bool = False
    totp_secret: str | None = Field(default=None, max_length=64)
    totp_pending_secret: str | None = Field(default=None, max_length=64)  # enrolment started, not confirmed
    totp_enabled_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    totp_last_step: int | None = Field(default=None, sa_type=BigInteger)  # once only


class RecoveryCode(SQLModel, table=True):
    """One-time recovery codes for a lost authenticator, stored as argon2 hashes."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    code_hash: str = Field(max_length=200)
    used_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class UserSession(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(index=True, unique=True, max_length=64)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: datetime = _ts()
    last_seen_at: datetime = _ts()
    revoked_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    client_addr: str | None = Field(default=None, max_length=64)
    second_factor_pending: bool = False  # password checked, TOTP not yet: the session grants nothing
    # one-time hand-off from the login page to the /session/start route, which sets the cookie (issue 15)
    ticket_hash: str | None = Field(default=None, index=True, unique=True, max_length=64)
    ticket_expires_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    # the session token, Fernet-encrypted under a key derived from the ticket (never stored): the route
    # sets the cookie to the very token the open tab holds, so the tab goes on without a reload (issue 17)
    ticket_box: str | None = Field(default=None, max_length=200)


class UserPreference(SQLModel, table=True):
    """What the web app remembers per user across sessions: the chosen plan, an import draft under review."""

    user_id: int = Field(foreign_key="user.id", primary_key=True)
    key: str = Field(primary_key=True, max_length=40)
    value: dict[str, Any] = _json({})
    updated_at: datetime = _ts()


# ---------------------------------------------------------------- plans and tasks
class Plan(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    doc_number: str | None = Field(default=None, max_length=60)
    issuer: str | None = Field(default=None, max_length=120)
    issued_on: date | None = None
    start_date: date | None = None
    source_filename: str | None = Field(default=None, max_length=200)
    fingerprint: str | None = Field(default=None, index=True, max_length=64)
    phases: list[Any] = _json([])
    created_at: datetime = _ts()
    version: int = 1


class Task(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("plan_id", "code"), Index("ix_task_plan_status", "plan_id", "status"))
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    code: str = Field(max_length=60)
    title: str = Field(max_length=300)
    text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    parent_id: int | None = Field(default=None, foreign_key="task.id", index=True)
    phase: str | None = Field(default=None, max_length=60)
    is_milestone: bool = False
    deadline: date | None = Field(default=None, index=True)
    deadline_text: str | None = Field(default=None, max_length=200)
    deadline_rule: str = Field(default="absolute", max_length=20)  # absolute|relative|plan|ongoing|none
    planned_start: date | None = None
    status: str = Field(default="not_started", max_length=20, index=True)
    percent: int = 0
    actual_start: date | None = None
    actual_finish: date | None = None
    # computed by the scheduler (cached for fast pages and scans)
    forecast_finish: date | None = None
    light: str = Field(default="green", max_length=10, index=True)
    at_risk: bool = False
    critical: bool = False
    provisional: bool = False
    light_reason: str | None = Field(default=None, max_length=200)
    red_since: date | None = None
    version: int = 1
    updated_at: datetime = _ts()


class TaskUnit(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("task_id", "role", "written_name"),)
    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    role: str = Field(max_length=12)  # lead|responsible|supporting
    written_name: str = Field(max_length=120)


class UnitScore(SQLModel, table=True):
    """A unit's ranking sums in one plan as of one day, materialised whenever the plan is recomputed (every
    write that changes a task, and the daily scan): ``models.services.rankings.materialise``."""
    __table_args__ = (Index("ix_unitscore_as_of_unit", "as_of", "unit_id"),)  # the province sum streams by unit
    plan_id: int = Field(foreign_key="plan.id", primary_key=True)
    as_of: date = Field(primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", primary_key=True)
    task_count: int = 0
    lead_total: int = 0
    lead_done: int = 0
    overdue: int = 0
    due_w: float = 0.0
    on_time_w: float = 0.0
    late_done_w: float = 0.0


class ScoreSnapshot(SQLModel, table=True):
    """The plan's UnitScore rows for ``as_of`` are complete (a plan with no ranked unit has no score rows)."""
    plan_id: int = Field(foreign_key="plan.id", primary_key=True)
    as_of: date = Field(primary_key=True, index=True)


class Dependency(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("pred_id", "succ_id"),)
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    pred_id: int = Field(foreign_key="task.id", index=True)
    succ_id: int = Field(foreign_key="task.id", index=True)
    lag_value: int = 0
    lag_unit: str = Field(default="days", max_length=10)  # days|workdays|months
    relative_deadline: bool = False  # the successor's deadline is "within lag after pred finishes"


class ProgressReport(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id")
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    kind: str = Field(max_length=20)  # progress|report_done|close|return
    percent: int = 0
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = _ts()


class Evidence(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    report_id: int | None = Field(default=None, foreign_key="progressreport.id")
    stored_name: str = Field(max_length=80, unique=True)
    original_name: str = Field(max_length=200)
    kind: str = Field(max_length=10)
    size: int = Field(sa_type=BigInteger)
    sha256: str = Field(max_length=64)
    uploaded_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = _ts()


# ---------------------------------------------------------------- handovers
class Handover(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    task_id: int | None = Field(default=None, foreign_key="task.id", index=True)
    kind: str = Field(max_length=20)  # staff|asset|archive|function|establishment
    title: str = Field(max_length=200)
    from_unit_id: int = Field(foreign_key="unit.id", index=True)
    to_unit_id: int = Field(foreign_key="unit.id", index=True)
    status: str = Field(default="draft", max_length=20)  # draft|in_progress|completed
    declared_total: dict[str, Any] = _json({})
    version: int = 1
    created_at: datetime = _ts()
    started_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    completed_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class HandoverStep(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("handover_id", "seq"),)
    id: int | None = Field(default=None, primary_key=True)
    handover_id: int = Field(foreign_key="handover.id", index=True)
    seq: int
    party_role: str = Field(max_length=12)  # sender|receiver|supervisor
    unit_id: int = Field(foreign_key="unit.id", index=True)
    status: str = Field(default="pending", max_length=12)  # pending|confirmed|rejected
    confirmed_by: int | None = Field(default=None, foreign_key="user.id")
    confirmed_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    reject_reason: str | None = Field(default=None, max_length=500)
    version: int = 1


class HandoverItem(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    handover_id: int = Field(foreign_key="handover.id", index=True)
    seq: int
    data: dict[str, Any] = _json({})


# ---------------------------------------------------------------- documents
class DocNumberCounter(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=30)  # 机关代字, e.g. 县编办发
    year: int = Field(primary_key=True)
    last_seq: int = 0


class Notice(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("code", "year", "seq"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=30, index=True)
    code: str = Field(max_length=30)
    year: int
    seq: int
    doc_number: str = Field(max_length=60, unique=True)
    title: str = Field(max_length=300)
    recipients: list[Any] = _json([])
    context: dict[str, Any] = _json({})
    stored_name: str | None = Field(default=None, max_length=80)
    sha256: str | None = Field(default=None, max_length=64)
    status: str = Field(default="issued", max_length=10)  # issued|voided
    void_reason: str | None = Field(default=None, max_length=300)
    task_id: int | None = Field(default=None, foreign_key="task.id", index=True)
    handover_id: int | None = Field(default=None, foreign_key="handover.id", index=True)
    plan_id: int | None = Field(default=None, foreign_key="plan.id")
    idempotency_key: str | None = Field(default=None, max_length=120, unique=True)
    issued_by: int | None = Field(default=None, foreign_key="user.id")
    issued_at: datetime = _ts()


# ---------------------------------------------------------------- alerts and operations
class Alert(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("task_id", "level", "day"),)
    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    level: str = Field(max_length=12)  # reminder|urging|supervision|interview
    day: date = Field(index=True)
    message: str = Field(max_length=300)
    notice_id: int | None = Field(default=None, foreign_key="notice.id")
    acknowledged_by: int | None = Field(default=None, foreign_key="user.id")
    acknowledged_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    created_at: datetime = _ts()


class Delivery(SQLModel, table=True):
    """One notification to one channel; retried deliveries update the same row."""

    __table_args__ = (UniqueConstraint("topic", "channel_id"),)
    id: int | None = Field(default=None, primary_key=True)
    topic: str = Field(max_length=120)  # e.g. alert:17, handover:3:start
    channel_id: int = Field(foreign_key="notificationchannel.id")
    unit_id: int = Field(foreign_key="unit.id")
    subject: str = Field(max_length=200)
    status: str = Field(default="pending", max_length=10, index=True)  # pending|sending|sent|failed|given_up
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=500)
    updated_at: datetime = _ts()
    body: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))  # kept for later retries
    link: str | None = Field(default=None, max_length=500)
    retry_on: date | None = None  # first scan day a failed delivery is tried again (backoff)
    sent_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class Receipt(SQLModel, table=True):
    """签收: a 督办通知单, 催办函 or alert addressed to a unit waits for that unit to sign for it."""

    __table_args__ = (UniqueConstraint("kind", "ref_id", "unit_id"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=12)  # notice|alert
    ref_id: int = Field(index=True)  # Notice.id or Alert.id
    unit_id: int = Field(foreign_key="unit.id", index=True)
    task_id: int | None = Field(default=None, foreign_key="task.id", index=True)
    title: str = Field(max_length=300)
    opened_on: date = Field(index=True)
    due_on: date  # opened_on + REFORM_SIGNOFF_WORKDAYS working days
    signed_by: int | None = Field(default=None, foreign_key="user.id")
    signed_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    overdue_on: date | None = None  # the day the office was alerted that it is still unsigned


class OpsRun(SQLModel, table=True):
    """Outcome of automated runs (scan, bulletins, handovers, imports, notice batches): the 26-hour
    liveness check and the failures the office sees on 总览."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=30, index=True)
    started_at: datetime = _ts()
    finished_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    status: str = Field(default="running", max_length=10)  # running|success|failed
    stats: dict[str, Any] = _json({})
    ref: str | None = Field(default=None, max_length=64, index=True)  # the Prefect flow run, when there is one


class HolidayOverride(SQLModel, table=True):
    day: date = Field(primary_key=True)
    is_workday: bool
    name: str | None = Field(default=None, max_length=40)


class OfficialYear(SQLModel, table=True):
    year: int = Field(primary_key=True)
    source: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class AppSetting(SQLModel, table=True):
    key: str = Field(primary_key=True, max_length=60)
    value: dict[str, Any] = _json({})


# ---------------------------------------------------------------- everyday 督办: requests, 批示, 互评
OPEN_REQUEST = text("state = 'pending'")


class TaskRequest(SQLModel, table=True):
    """延期 (new deadline) or 调整 (new lead/units) asked by a unit on its task; the office decides.

    The partial unique index keeps one open (``pending``) request per task and kind."""

    __table_args__ = (Index("uq_taskrequest_open", "task_id", "kind", unique=True, sqlite_where=OPEN_REQUEST,
                            postgresql_where=OPEN_REQUEST),
                      Index("ix_taskrequest_decided", "kind", "state", "decided_on"))
    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    plan_id: int = Field(foreign_key="plan.id")
    kind: str = Field(max_length=10)  # extend|adjust
    unit_id: int = Field(foreign_key="unit.id", index=True)  # the filing unit
    filed_by: int | None = Field(default=None, foreign_key="user.id")
    filed_on: date
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    old_deadline: date | None = None
    new_deadline: date | None = None
    new_units: dict[str, Any] = _json({})  # {"lead": [unit ids], "responsible": [...], "supporting": [...]}
    evidence_id: int | None = Field(default=None, foreign_key="evidence.id")
    state: str = Field(default="pending", max_length=10, index=True)  # pending|approved|refused|withdrawn
    decision_reason: str | None = Field(default=None, max_length=500)
    decided_by: int | None = Field(default=None, foreign_key="user.id")
    decided_on: date | None = None
    version: int = 1
    created_at: datetime = _ts()


class Instruction(SQLModel, table=True):
    """领导批示 on a task: delivered to the task's units, answered by each, closed by the office or the leader."""

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    author_id: int | None = Field(default=None, foreign_key="user.id")
    author_name: str = Field(default="", max_length=60)
    text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    state: str = Field(default="open", max_length=10, index=True)  # open|answered|closed
    created_at: datetime = _ts()
    closed_by: int | None = Field(default=None, foreign_key="user.id")
    closed_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    close_note: str | None = Field(default=None, max_length=500)
    version: int = 1


class InstructionTarget(SQLModel, table=True):
    """One addressed unit of an instruction and its reply (回复)."""

    __table_args__ = (UniqueConstraint("instruction_id", "unit_id"),)
    id: int | None = Field(default=None, primary_key=True)
    instruction_id: int = Field(foreign_key="instruction.id", index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    reply: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    replied_by: int | None = Field(default=None, foreign_key="user.id")
    replied_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class TaskFollow(SQLModel, table=True):
    """关注: a leader's follow list; followed tasks are listed first on the leader's pages."""

    user_id: int = Field(foreign_key="user.id", primary_key=True)
    task_id: int = Field(foreign_key="task.id", primary_key=True, index=True)
    created_at: datetime = _ts()


class EvalRound(SQLModel, table=True):
    """条块互评 round for a period, on a scale the office sets; ratings are editable until it closes."""

    id: int | None = Field(default=None, primary_key=True)
    label: str = Field(max_length=60, unique=True)
    period_start: date
    period_end: date = Field(index=True)
    scale_min: float = 1.0
    scale_max: float = 5.0
    state: str = Field(default="open", max_length=10)  # open|closed
    opened_by: int | None = Field(default=None, foreign_key="user.id")
    opened_at: datetime = _ts()
    closed_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    version: int = 1


class EvalRating(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("round_id", "rater_unit_id", "ratee_unit_id"),
                      Index("ix_evalrating_ratee", "round_id", "ratee_unit_id"))
    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="evalround.id")
    rater_unit_id: int = Field(foreign_key="unit.id")
    ratee_unit_id: int = Field(foreign_key="unit.id")
    score: float
    comment: str = Field(default="", max_length=300)
    rated_by: int | None = Field(default=None, foreign_key="user.id")
    updated_at: datetime = _ts()
    version: int = 1


# ---------------------------------------------------------------- audit
class AuditEvent(SQLModel, table=True):
    """Append-only, hash-chained. UPDATE/DELETE are refused by triggers (see migrations)."""

    id: int | None = Field(default=None, primary_key=True)
    ts: str = Field(max_length=40, index=True)  # ISO 8601 UTC with offset
    actor_id: int | None = None
    actor_name: str = Field(max_length=60)
    actor_role: str = Field(default="", max_length=20)
    unit_id: int | None = None
    action: str = Field(max_length=60, index=True)
    object_type: str = Field(max_length=30)
    object_id: str | None = Field(default=None, max_length=60)
    before: dict[str, Any] = _json({})
    after: dict[str, Any] = _json({})
    outcome: str = Field(max_length=12)  # success|denied|conflict|invalid|error
    client_addr: str | None = Field(default=None, max_length=64)
    session_id: str | None = Field(default=None, max_length=64)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class AuditHead(SQLModel, table=True):
    """Single row: the chain's last hash. Locking it serialises appenders on PostgreSQL."""

    id: int = Field(default=1, primary_key=True)
    last_id: int = 0
    last_hash: str = Field(default="0" * 64, max_length=64)
    anchor_id: int = 0  # rows below this were purged by retention; chain starts here
    anchor_hash: str = Field(default="0" * 64, max_length=64)


# ---------------------------------------------------------------- reporting duties and indicators
class ReportSchedule(SQLModel, table=True):
    """报送要求: a reporting rhythm for one task, or for a plan (inherited by its tasks without their own).

    ``frequency``: daily|weekly|monthly|quarterly|yearly|stage; ``weekday`` 1–7 (weekly); ``day`` the day of
    the month a report is due (monthly: of that month; quarterly/yearly: of the month after the period;
    0 = the period's last day); ``stages``: ISO due dates (by stage). A due day that is not a working day
    moves to the next working day of the office calendar."""

    __table_args__ = (
        Index("ux_reportschedule_task", "task_id", "frequency", unique=True,
              sqlite_where=text("task_id IS NOT NULL"), postgresql_where=text("task_id IS NOT NULL")),
        Index("ux_reportschedule_plan", "plan_id", "frequency", unique=True,
              sqlite_where=text("task_id IS NULL"), postgresql_where=text("task_id IS NULL")),
    )
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    task_id: int | None = Field(default=None, foreign_key="task.id", index=True)
    frequency: str = Field(max_length=12)
    weekday: int | None = None
    day: int | None = None
    stages: list[Any] = _json([])
    remind_days: int = 3  # working days before the due day that the scan reminds
    starts_on: date | None = None  # the day it was set: no slot falls due before it (no retroactive duty)
    source_text: str | None = Field(default=None, max_length=200)
    version: int = 1
    # the first day one of its tasks may get a new slot (the scan's step skips it before then); None: look at
    # the next scan. Cleared by every write that recomputes the plan (``reporting.forget_openings``).
    next_opens_on: date | None = None


class ReportSlot(SQLModel, table=True):
    """One due report of a task (opened by the scan once its window starts). State is derived: open until
    due, ``filed`` when a report came inside the window, ``late`` after it, ``missed`` while none came."""

    __table_args__ = (UniqueConstraint("task_id", "due_on"),
                      Index("ix_reportslot_task_due_filed", "task_id", "due_on", "filed_on"))  # covers the counts
    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id")
    opens_on: date
    due_on: date
    frequency: str = Field(max_length=12)
    moved_from: date | None = None  # the nominal due day when it fell on a holiday
    remind_on: date  # the first day the scan reminds (``remind_days`` working days before it is due)
    filed_on: date | None = None
    report_id: int | None = Field(default=None, foreign_key="progressreport.id")
    reminded_on: date | None = None


class Indicator(SQLModel, table=True):
    """指标任务: a task's target (value, unit, ≥/≤) and baseline; reported and audited values follow."""

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", unique=True)
    name: str = Field(default="", max_length=120)
    target: float
    unit: str = Field(default="", max_length=12)
    direction: str = Field(default="ge", max_length=2)  # ge (达到…以上) | le (控制在…以下)
    baseline: float | None = None
    baseline_on: date | None = None
    source_text: str | None = Field(default=None, max_length=200)
    version: int = 1


class IndicatorValue(SQLModel, table=True):
    """A reported value (``kind`` reported, with its progress report and evidence) or the office's 审定值
    (``kind`` audited, with a reason). The latest audited value wins over reported ones."""

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    kind: str = Field(max_length=10)  # reported|audited
    value: float
    as_of: date
    report_id: int | None = Field(default=None, foreign_key="progressreport.id")
    reason: str = Field(default="", max_length=500)
    user_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = _ts()
