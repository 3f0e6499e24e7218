"""Audit log is append-only: no UPDATE, no TRUNCATE, DELETE only below the retention anchor, and the
anchor only moves forward onto events older than the legal minimum of 184 days.

Revision ID: 0002
Revises: 0001
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SQLITE = [
    """CREATE TRIGGER auditevent_no_update BEFORE UPDATE ON auditevent
       BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END""",
    """CREATE TRIGGER auditevent_no_delete BEFORE DELETE ON auditevent
       WHEN OLD.id > COALESCE((SELECT anchor_id FROM audithead WHERE id = 1), 0)
       BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END""",
    """CREATE TRIGGER audithead_anchor_guard BEFORE UPDATE OF anchor_id, anchor_hash ON audithead
       WHEN NEW.anchor_id < OLD.anchor_id
         OR (NEW.anchor_id > OLD.anchor_id AND COALESCE((SELECT ts FROM auditevent WHERE id = NEW.anchor_id), '9999')
             >= strftime('%Y-%m-%dT%H:%M:%S', 'now', '-184 days'))
       BEGIN SELECT RAISE(ABORT, 'audit retention anchor may only move onto events older than 184 days'); END""",
]
POSTGRES = [
    """CREATE OR REPLACE FUNCTION auditevent_guard() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP IN ('UPDATE', 'TRUNCATE') THEN
           RAISE EXCEPTION 'audit log is append-only';
         END IF;
         IF OLD.id > COALESCE((SELECT anchor_id FROM audithead WHERE id = 1), 0) THEN
           RAISE EXCEPTION 'audit log is append-only';
         END IF;
         RETURN OLD;
       END $$""",
    """CREATE TRIGGER auditevent_row_guard BEFORE UPDATE OR DELETE ON auditevent
       FOR EACH ROW EXECUTE FUNCTION auditevent_guard()""",
    """CREATE TRIGGER auditevent_truncate_guard BEFORE TRUNCATE ON auditevent
       FOR EACH STATEMENT EXECUTE FUNCTION auditevent_guard()""",
    """CREATE OR REPLACE FUNCTION audithead_anchor_guard() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF NEW.anchor_id < OLD.anchor_id OR (NEW.anchor_id > OLD.anchor_id AND
            COALESCE((SELECT ts FROM auditevent WHERE id = NEW.anchor_id), '9999') >=
            to_char((now() AT TIME ZONE 'UTC') - interval '184 days', 'YYYY-MM-DD"T"HH24:MI:SS')) THEN
           RAISE EXCEPTION 'audit retention anchor may only move onto events older than 184 days';
         END IF;
         RETURN NEW;
       END $$""",
    """CREATE TRIGGER audithead_anchor_guard BEFORE UPDATE ON audithead
       FOR EACH ROW EXECUTE FUNCTION audithead_anchor_guard()""",
    """CREATE TRIGGER audithead_no_truncate BEFORE TRUNCATE ON audithead
       FOR EACH STATEMENT EXECUTE FUNCTION auditevent_guard()""",
]


def upgrade() -> None:
    statements = POSTGRES if op.get_bind().dialect.name == "postgresql" else SQLITE
    for sql in statements:
        op.execute(sql)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for sql in ("DROP TRIGGER IF EXISTS auditevent_row_guard ON auditevent",
                    "DROP TRIGGER IF EXISTS auditevent_truncate_guard ON auditevent",
                    "DROP TRIGGER IF EXISTS audithead_anchor_guard ON audithead",
                    "DROP TRIGGER IF EXISTS audithead_no_truncate ON audithead",
                    "DROP FUNCTION IF EXISTS auditevent_guard()", "DROP FUNCTION IF EXISTS audithead_anchor_guard()"):
            op.execute(sql)
    else:
        for name in ("auditevent_no_update", "auditevent_no_delete", "audithead_anchor_guard"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
