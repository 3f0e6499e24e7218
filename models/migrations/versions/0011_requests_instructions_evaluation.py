"""Everyday 督办: 延期/调整 requests, 领导批示 with replies, 关注, and 条块互评 rounds and ratings.

Revision ID: 0011
Revises: 0007 (the lead re-chains at merge)
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

OPEN_REQUEST = sa.text("state = 'pending'")


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), primary_key=True)


def _fk(name: str, target: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.Integer(), sa.ForeignKey(f"{target}.id"), nullable=nullable)


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "taskrequest", _id(), _fk("task_id", "task"), _fk("plan_id", "plan"),
        sa.Column("kind", sa.String(10), nullable=False), _fk("unit_id", "unit"), _fk("filed_by", "user", True),
        sa.Column("filed_on", sa.Date(), nullable=False), sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("old_deadline", sa.Date(), nullable=True), sa.Column("new_deadline", sa.Date(), nullable=True),
        sa.Column("new_units", sa.JSON(), nullable=False), _fk("evidence_id", "evidence", True),
        sa.Column("state", sa.String(10), nullable=False), sa.Column("decision_reason", sa.String(500), nullable=True),
        _fk("decided_by", "user", True), sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False), _ts("created_at"),
    )
    op.create_index("ix_taskrequest_task_id", "taskrequest", ["task_id"])
    op.create_index("ix_taskrequest_unit_id", "taskrequest", ["unit_id"])
    op.create_index("ix_taskrequest_state", "taskrequest", ["state"])
    op.create_index("ix_taskrequest_decided", "taskrequest", ["kind", "state", "decided_on"])
    op.create_index("uq_taskrequest_open", "taskrequest", ["task_id", "kind"], unique=True,
                    sqlite_where=OPEN_REQUEST, postgresql_where=OPEN_REQUEST)
    op.create_table(
        "instruction", _id(), _fk("task_id", "task"), _fk("author_id", "user", True),
        sa.Column("author_name", sa.String(60), nullable=False), sa.Column("text", sa.Text(), nullable=False),
        sa.Column("state", sa.String(10), nullable=False), _ts("created_at"), _fk("closed_by", "user", True),
        _ts("closed_at", True), sa.Column("close_note", sa.String(500), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_instruction_task_id", "instruction", ["task_id"])
    op.create_index("ix_instruction_state", "instruction", ["state"])
    op.create_table(
        "instructiontarget", _id(), _fk("instruction_id", "instruction"), _fk("unit_id", "unit"),
        sa.Column("reply", sa.Text(), nullable=True), _fk("replied_by", "user", True), _ts("replied_at", True),
        sa.UniqueConstraint("instruction_id", "unit_id"),
    )
    op.create_index("ix_instructiontarget_instruction_id", "instructiontarget", ["instruction_id"])
    op.create_index("ix_instructiontarget_unit_id", "instructiontarget", ["unit_id"])
    op.create_table(
        "taskfollow",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user.id"), primary_key=True),
        sa.Column("task_id", sa.Integer(), sa.ForeignKey("task.id"), primary_key=True), _ts("created_at"),
    )
    op.create_index("ix_taskfollow_task_id", "taskfollow", ["task_id"])
    op.create_table(
        "evalround", _id(), sa.Column("label", sa.String(60), nullable=False, unique=True),
        sa.Column("period_start", sa.Date(), nullable=False), sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("scale_min", sa.Float(), nullable=False), sa.Column("scale_max", sa.Float(), nullable=False),
        sa.Column("state", sa.String(10), nullable=False), _fk("opened_by", "user", True), _ts("opened_at"),
        _ts("closed_at", True), sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_evalround_period_end", "evalround", ["period_end"])
    op.create_table(
        "evalrating", _id(), _fk("round_id", "evalround"), _fk("rater_unit_id", "unit"), _fk("ratee_unit_id", "unit"),
        sa.Column("score", sa.Float(), nullable=False), sa.Column("comment", sa.String(300), nullable=False),
        _fk("rated_by", "user", True), _ts("updated_at"), sa.Column("version", sa.Integer(), nullable=False),
        sa.UniqueConstraint("round_id", "rater_unit_id", "ratee_unit_id"),
    )
    op.create_index("ix_evalrating_ratee", "evalrating", ["round_id", "ratee_unit_id"])


def downgrade() -> None:
    for table in ("evalrating", "evalround", "taskfollow", "instructiontarget", "instruction", "taskrequest"):
        op.drop_table(table)
