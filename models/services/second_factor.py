"""Second factor (等保 2.0 level 3 身份鉴别 d; ASVS 6.3.2, 6.5): TOTP (RFC 6238) plus recovery codes.

The three administrator roles must use it; other users may opt in. After the password, ``accounts.login``
opens a session marked ``second_factor_pending`` that grants nothing (``validate_session`` refuses it);
``verify`` turns it into a full session. A first login enrols: a secret is generated, shown as a QR
code, and confirmed by the first valid code, which also yields ten one-time recovery codes (stored as
argon2 hashes). Wrong codes count towards the same lockout as wrong passwords, a code is accepted once
(its time step is remembered), and a pending session expires after ``PENDING_MINUTES``.
"""
from __future__ import annotations

import hashlib
import hmac
import io
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pyotp
import segno
from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models.db import retry_transient, write_session
from models.services import audit
from models.services.actor import Actor
from models.services.errors import Invalid, PermissionDenied, ServiceError
from models.services.passwords import hash_password, verify_password
from models.services.permissions import ADMIN_ROLES
from models.services.uow import transaction
from models.settings import Settings, get_settings
from models.tables import RecoveryCode, User, UserSession

ISSUER = "改革任务督办"
PENDING_MINUTES = 10
RECOVERY_CODES = 10
SECOND_FACTOR_FAILED = "验证码错误，或账户已被锁定"


class SecondFactorFailed(ServiceError):
    outcome = "denied"


@dataclass(frozen=True)
class Enrolment:
    secret: str
    uri: str
    qr_png: bytes


@dataclass
class Verified:
    token: str
    recovery_codes: list[str] = field(default_factory=list)  # shown once, after enrolment


def required(user: User) -> bool:
    return user.role in ADMIN_ROLES or user.totp_required or user.totp_secret is not None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(ts: datetime | None) -> datetime | None:
    return ts.replace(tzinfo=UTC) if ts is not None and ts.tzinfo is None else ts


def _pending(session: Session, token: str, *, lock: bool = False) -> tuple[UserSession, User]:
    row = session.exec(select(UserSession).where(UserSession.token_hash == _token_hash(token))).first()
    query = select(User).where(User.id == (row.user_id if row else -1))
    user = session.exec(query.with_for_update() if lock else query).first()
    created = _aware(row.created_at) if row else None
    if row is None or user is None or not row.second_factor_pending or row.revoked_at is not None \
            or created is None or datetime.now(UTC) - created > timedelta(minutes=PENDING_MINUTES):
        raise SecondFactorFailed("登录已过期，请重新输入用户名和口令")
    return row, user


def _qr(uri: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="png", scale=5, border=2)
    return buffer.getvalue()


@retry_transient
def enrolment(token: str, *, engine: Engine | None = None) -> Enrolment | None:
    """The secret to enrol (created once per pending enrolment), or None when the user is enrolled."""
    with write_session(engine) as session:
        _row, user = _pending(session, token, lock=True)
        if user.totp_secret is not None:
            return None
        if user.totp_pending_secret is None:
            user.totp_pending_secret = pyotp.random_base32()
            session.add(user)
        secret = user.totp_pending_secret
        uri = pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)
    return Enrolment(secret, uri, _qr(uri))


def _matching_step(secret: str, code: str, last_step: int | None, now: float) -> int | None:
    """The time step ``code`` belongs to (±1 step of clock drift), if it was not used before."""
    totp = pyotp.TOTP(secret)
    current = int(now // totp.interval)
    for step in (current - 1, current, current + 1):
        if (last_step is None or step > last_step) and hmac.compare_digest(totp.at(step * totp.interval), code):
            return step
    return None


def _use_recovery_code(session: Session, user: User, code: str) -> bool:
    for row in session.exec(select(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                                      RecoveryCode.used_at.is_(None))).all():  # type: ignore[union-attr]
        if verify_password(row.code_hash, code):
            row.used_at = datetime.now(UTC)
            session.add(row)
            return True
    return False


def _new_recovery_codes(session: Session, user: User) -> list[str]:
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))  # type: ignore[arg-type]
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    for code in codes:
        session.add(RecoveryCode(user_id=user.id or 0, code_hash=hash_password(code)))
    return codes


@retry_transient
def verify(token: str, code: str, *, engine: Engine | None = None, settings: Settings | None = None,
           now: float | None = None) -> Verified:
    """Check a TOTP code (or a recovery code) for a pending login; lockout rules as for passwords."""
    settings = settings or get_settings()
    code = "".join(code.split()).lower()
    moment = datetime.now(UTC)
    with write_session(engine) as session:
        row, user = _pending(session, token, lock=True)
        who = Actor(user.id, user.username, user.role, user.unit_id, str(row.id), row.client_addr)
        locked = bool(user.locked_until and _aware(user.locked_until) > moment)  # type: ignore[operator]
        enrolling = user.totp_secret is None
        secret = user.totp_pending_secret if enrolling else user.totp_secret
        step = None if locked or secret is None or not code.isdigit() else \
            _matching_step(secret, code, user.totp_last_step, now or time.time())
        by_recovery = step is None and not locked and not enrolling and "-" in code and \
            _use_recovery_code(session, user, code)
        if step is None and not by_recovery:
            if not locked:
                user.failed_attempts += 1
                if user.failed_attempts >= settings.lockout_threshold:
                    user.locked_until = moment + timedelta(minutes=settings.lockout_minutes)
                    user.failed_attempts = 0
                    audit.record(session, who, "auth.lockout", "user", user.id, outcome="denied",
                                 after={"locked_until": user.locked_until.isoformat(), "factor": "totp"})
                session.add(user)
            audit.record(session, who, "auth.second_factor", "user", user.id, outcome="denied",
                         after={"reason": "locked" if locked else "bad_code"})
            failed = True
        else:
            failed = False
            codes: list[str] = []
            if enrolling:
                user.totp_secret, user.totp_pending_secret, user.totp_enabled_at = secret, None, moment
                codes = _new_recovery_codes(session, user)
            if step is not None:
                user.totp_last_step = step
            user.failed_attempts, user.locked_until = 0, None
            session.add(user)
            row.second_factor_pending, row.last_seen_at = False, moment
            session.add(row)
            audit.record(session, who, "auth.second_factor", "user", user.id,
                         after={"enrolled": enrolling, "method": "recovery_code" if by_recovery else "totp"})
    if failed:
        raise SecondFactorFailed(SECOND_FACTOR_FAILED)
    return Verified(token, codes)


def is_enabled(actor: Actor, *, engine: Engine | None = None) -> bool:
    """Whether the signed-in user has the second factor on (required or enrolled)."""
    from models.db import read_session

    with read_session(engine) as session:
        user = session.get(User, actor.user_id) if actor.user_id else None
        return bool(user and (user.totp_required or user.totp_secret))


@retry_transient
def set_optional(actor: Actor, *, enabled: bool, code: str = "", engine: Engine | None = None) -> None:
    """A non-administrator turns the second factor on (enrolment at the next login) or off (with a code)."""
    with transaction(actor, "user.second_factor", "user", actor.user_id, engine=engine) as tx:
        user = tx.session.get(User, actor.user_id) if actor.user_id else None
        if user is None:
            raise Invalid("用户不存在")
        if user.role in ADMIN_ROLES and not enabled:
            raise PermissionDenied("管理员账户必须使用第二因素认证，不能关闭")
        if not enabled and user.totp_secret is not None and \
                _matching_step(user.totp_secret, "".join(code.split()), user.totp_last_step, time.time()) is None:
            raise Invalid("关闭第二因素认证须输入当前的动态验证码")
        before = {"totp_required": user.totp_required, "enrolled": user.totp_secret is not None}
        user.totp_required = enabled
        if not enabled:
            user.totp_secret = user.totp_pending_secret = user.totp_enabled_at = None
            tx.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))  # type: ignore[arg-type]
        user.version += 1
        tx.session.add(user)
        tx.audit(before=before, after={"totp_required": enabled})


@retry_transient
def reset(actor: Actor, user_id: int, *, engine: Engine | None = None) -> None:
    """Lost authenticator: the installer CLI clears the factor; the user enrols again at the next login."""
    with transaction(actor, "user.second_factor_reset", "user", user_id, engine=engine) as tx:
        if actor.role != "system":
            raise PermissionDenied("第二因素只能通过命令行重置")
        user = tx.session.get(User, user_id)
        if user is None:
            raise Invalid("用户不存在")
        user.totp_secret = user.totp_pending_secret = user.totp_enabled_at = None
        user.totp_last_step = None
        user.sessions_valid_after = datetime.now(UTC)
        tx.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))  # type: ignore[arg-type]
        user.version += 1
        tx.session.add(user)
        tx.audit(after={"second_factor": "reset"})
