"""Accounts and sessions: login with a database-backed lockout, idle and absolute session limits.

Session tokens are random (256 bits) and stored only as SHA-256 hashes. Disabling a user or changing a
role moves ``sessions_valid_after`` so every older session fails at its next action.
"""
from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from models.db import read_session, retry_transient, write_session
from models.services import audit, second_factor
from models.services.actor import Actor
from models.services.errors import Invalid, NotFound, PermissionDenied, ServiceError
from models.services.passwords import hash_password, policy_problems, verify_password
from models.services.permissions import ADMIN_ROLES, ROLE_LABELS, require
from models.services.textinput import has_controls, refuse_controls
from models.services.uow import transaction
from models.settings import Settings, get_settings
from models.tables import Unit, User, UserSession

LOGIN_FAILED = "用户名或口令错误，或账户已被锁定"


class AuthFailed(ServiceError):
    outcome = "denied"


class SessionExpired(ServiceError):
    outcome = "denied"


@dataclass(frozen=True)
class LoginResult:
    token: str
    actor: Actor
    display_name: str
    must_change_password: bool
    second_factor: str | None = None  # "enrol" / "verify": the token is pending until second_factor.verify


def _aware(ts: datetime | None) -> datetime | None:
    return ts.replace(tzinfo=UTC) if ts is not None and ts.tzinfo is None else ts


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def actor_for(user: User, *, session_id: str | None = None, client_addr: str | None = None) -> Actor:
    return Actor(user.id, user.username, user.role, user.unit_id, session_id, client_addr)


def generate_initial_password() -> str:
    """A random password that satisfies the default policy; it must be changed at first login."""
    return "Rt-" + secrets.token_urlsafe(12) + "9a"


@retry_transient
def create_user(actor: Actor, *, username: str, display_name: str, role: str, unit_name: str | None = None,
                password: str | None = None, email: str | None = None, must_change: bool = True,
                engine: Engine | None = None, settings: Settings | None = None) -> tuple[User, str]:
    settings = settings or get_settings()
    with transaction(actor, "user.create", "user", username, engine=engine) as tx:
        require(actor, "user.manage")
        if role not in ROLE_LABELS:
            raise Invalid(f"未知角色：{role}（可选：{', '.join(ROLE_LABELS)}）")
        if role in ADMIN_ROLES and actor.role != "system":
            # 三权分立: a sysadmin who could create an auditor account (and knows its initial password)
            # would hold audit control too; administrator accounts are created only by the installer CLI.
            raise PermissionDenied("管理员类账户（系统/安全/审计管理员）只能通过命令行创建")
        if not username.strip() or len(username) > 60:
            raise Invalid("用户名不能为空且不超过 60 个字符")
        refuse_controls("用户名", username)
        refuse_controls("显示名称", display_name)
        if tx.session.exec(select(User).where(User.username == username)).first():
            raise Invalid(f"用户名已存在：{username}")
        unit_id = None
        if unit_name:
            unit = tx.session.exec(select(Unit).where(Unit.name == unit_name)).first()
            if unit is None:
                raise Invalid(f"未知单位：{unit_name}")
            unit_id = unit.id
        elif role in {"department", "staffing"}:
            raise Invalid("部门用户和编办用户必须指定所属单位")
        plain = password if password is not None else generate_initial_password()
        problems = policy_problems(plain, settings, username=username)
        if problems:
            raise Invalid("口令不符合要求：" + "；".join(problems))
        user = User(username=username, display_name=display_name, role=role, unit_id=unit_id, email=email,
                    password_hash=hash_password(plain), password_changed_at=datetime.now(UTC),
                    must_change_password=must_change)
        tx.session.add(user)
        tx.session.flush()
        tx.object_id = user.id
        tx.audit(after={"username": username, "role": role, "unit_id": unit_id})
        return user, plain


@retry_transient
def login(username: str, password: str, *, client_addr: str | None = None, engine: Engine | None = None,
          settings: Settings | None = None) -> LoginResult:
    """Verify credentials; lockout state lives in the database so a new browser does not reset it."""
    settings = settings or get_settings()
    now = datetime.now(UTC)
    client_addr = client_addr[:64] if client_addr else None  # column width; never fail a login on it
    with write_session(engine) as session:
        # Lock the row: parallel guesses must count one by one (READ COMMITTED would lose increments
        # and hand a brute-forcer with many connections far more than `lockout_threshold` tries).
        # a name with control characters (NUL breaks PostgreSQL) cannot exist: fail like any unknown user
        user = None if has_controls(username) else \
            session.exec(select(User).where(User.username == username).with_for_update()).first()
        ok = verify_password(user.password_hash if user else "", password) if password else False
        locked = bool(user and user.locked_until and _aware(user.locked_until) > now)  # type: ignore[operator]
        who = Actor(user.id if user else None, username, user.role if user else "", user.unit_id if user else None,
                    client_addr=client_addr)
        if user is None or not user.is_active or locked or not ok:
            if user is not None and not locked and not ok:
                user.failed_attempts += 1
                if user.failed_attempts >= settings.lockout_threshold:
                    user.locked_until = now + timedelta(minutes=settings.lockout_minutes)
                    user.failed_attempts = 0
                    audit.record(session, who, "auth.lockout", "user", user.id, outcome="denied",
                                 after={"locked_until": user.locked_until.isoformat()})
                session.add(user)
            reason = "unknown_user" if user is None else "inactive" if not user.is_active else \
                "locked" if locked else "bad_password"
            audit.record(session, who, "auth.login", "user", user.id if user else None, outcome="denied",
                         after={"reason": reason})
            failed = True
        else:
            failed = False
            pending = second_factor.required(user)
            if not pending:  # with a second factor the counter keeps running until the code is right too
                user.failed_attempts = 0
                user.locked_until = None
            token = secrets.token_urlsafe(32)
            row = UserSession(token_hash=_token_hash(token), user_id=user.id or 0, client_addr=client_addr,
                              second_factor_pending=pending)
            session.add(row)
            session.flush()
            expired = _aware(user.password_changed_at) is None or \
                _aware(user.password_changed_at) < now - timedelta(days=settings.password_max_age_days)  # type: ignore[operator]
            if expired:
                user.must_change_password = True
            session.add(user)
            actor = actor_for(user, session_id=str(row.id), client_addr=client_addr)
            step = ("enrol" if user.totp_secret is None else "verify") if pending else None
            audit.record(session, actor, "auth.login", "user", user.id,
                         after={"session": row.id, **({"second_factor": step} if step else {})})
            result = LoginResult(token, actor, user.display_name, user.must_change_password, step)
    if failed:
        raise AuthFailed(LOGIN_FAILED)
    return result


def validate_session(token: str, *, engine: Engine | None = None, settings: Settings | None = None,
                     touch: bool = True) -> LoginResult:
    """Called at every page run: idle timeout, absolute lifetime, disabled users and role changes.
    ``touch=False`` (the periodic check of an idle tab) does not count as activity."""
    settings = settings or get_settings()
    now = datetime.now(UTC)
    with read_session(engine) as session:
        row = session.exec(select(UserSession).where(UserSession.token_hash == _token_hash(token))).first()
        user = session.get(User, row.user_id) if row else None
        if row is None or user is None:
            raise SessionExpired("会话无效，请重新登录")
        created, seen = _aware(row.created_at), _aware(row.last_seen_at)
        assert created is not None and seen is not None
        valid_after = _aware(user.sessions_valid_after)
        reason = None
        if row.revoked_at is not None:
            reason = "已退出登录"
        elif row.second_factor_pending:
            reason = "尚未完成第二因素验证"
        elif not user.is_active:
            reason = "账户已停用"
        elif valid_after is not None and created <= valid_after:
            reason = "账户权限已变更"
        elif now - seen > timedelta(minutes=settings.session_idle_minutes):
            reason = "长时间未操作"
        elif now - created > timedelta(hours=settings.session_max_hours):
            reason = "登录时间已超过上限"
        if reason:
            raise SessionExpired(f"会话已失效（{reason}），请重新登录")
        result = LoginResult(token, actor_for(user, session_id=str(row.id), client_addr=row.client_addr),
                             user.display_name, user.must_change_password)
        touch = touch and now - seen > timedelta(seconds=30)
    if touch:
        _touch(row.id or 0, now, engine)
    return result


@retry_transient
def _touch(session_id: int, now: datetime, engine: Engine | None) -> None:
    with write_session(engine) as session:
        row = session.get(UserSession, session_id)
        if row is not None:
            row.last_seen_at = now
            session.add(row)


TICKET_SECONDS = 60
_TICKET_INFO = b"reform-tracker login ticket v1"


def _ticket_box(ticket: str) -> Fernet:
    """The cipher only the ticket opens: the database holds the ticket's SHA-256 (to find the row) and the
    token under a key derived from the ticket by HKDF (a different function of it), never either in clear."""
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_TICKET_INFO).derive(ticket.encode())
    return Fernet(base64.urlsafe_b64encode(key))


@retry_transient
def issue_ticket(token: str, *, engine: Engine | None = None) -> str:
    """A one-time ticket (valid ``TICKET_SECONDS``) for a full session: the login page hands it to the
    ``/session/start`` route, which redeems it and sets the session cookie."""
    validate_session(token, engine=engine)  # a pending, revoked or expired session gets no ticket
    ticket = secrets.token_urlsafe(32)
    with write_session(engine) as session:
        row = session.exec(select(UserSession).where(UserSession.token_hash == _token_hash(token))).one()
        row.ticket_hash = _token_hash(ticket)
        row.ticket_box = _ticket_box(ticket).encrypt(token.encode()).decode()
        row.ticket_expires_at = datetime.now(UTC) + timedelta(seconds=TICKET_SECONDS)
        session.add(row)
    return ticket


@retry_transient
def redeem_ticket(ticket: str, *, engine: Engine | None = None, settings: Settings | None = None) -> str:
    """The session token for a ticket, once: the token the login page signed in with (the ticket opens its
    box), so the open tab and the cookie carry one session and the tab needs no reload."""
    now = datetime.now(UTC)
    token = None
    with write_session(engine) as session:
        row = None if not ticket or has_controls(ticket) else session.exec(
            select(UserSession).where(UserSession.ticket_hash == _token_hash(ticket)).with_for_update()).first()
        if row is not None:
            expires = _aware(row.ticket_expires_at)
            if expires is not None and expires >= now and row.ticket_box:
                try:
                    opened = _ticket_box(ticket).decrypt(row.ticket_box.encode()).decode()
                except InvalidToken:
                    opened = None
                token = opened if opened and _token_hash(opened) == row.token_hash else None
            row.ticket_hash, row.ticket_box, row.ticket_expires_at = None, None, None  # once, whatever came of it
            session.add(row)
    if token is None:
        raise SessionExpired("登录已过期，请重新登录")
    validate_session(token, engine=engine, settings=settings)  # revoked/disabled meanwhile: no cookie
    return token


@retry_transient
def logout(token: str, *, engine: Engine | None = None) -> None:
    with write_session(engine) as session:
        row = session.exec(select(UserSession).where(UserSession.token_hash == _token_hash(token))).first()
        if row is None or row.revoked_at is not None:
            return
        row.revoked_at = datetime.now(UTC)
        session.add(row)
        user = session.get(User, row.user_id)
        if user:
            audit.record(session, actor_for(user, session_id=str(row.id)), "auth.logout", "user", user.id)


@retry_transient
def change_password(actor: Actor, *, old_password: str, new_password: str, engine: Engine | None = None,
                    settings: Settings | None = None) -> None:
    settings = settings or get_settings()
    with transaction(actor, "user.change_password", "user", actor.user_id, engine=engine) as tx:
        user = tx.session.get(User, actor.user_id) if actor.user_id else None
        if user is None:
            raise NotFound("用户不存在")
        if not verify_password(user.password_hash, old_password):
            raise Invalid("原口令不正确")
        if old_password == new_password:
            raise Invalid("新口令不能与原口令相同")
        problems = policy_problems(new_password, settings, username=user.username)
        if problems:
            raise Invalid("口令不符合要求：" + "；".join(problems))
        user.password_hash = hash_password(new_password)
        user.password_changed_at = datetime.now(UTC)
        user.must_change_password = False
        user.version += 1
        tx.session.add(user)
        # ASVS 7.4.3: every other session of this user ends (someone may know the old password); this one stays
        ended = tx.session.execute(
            update(UserSession).where(UserSession.user_id == user.id,  # type: ignore[arg-type]
                                      UserSession.revoked_at.is_(None),  # type: ignore[union-attr]
                                      UserSession.id != _session_pk(actor))  # type: ignore[arg-type]
            .values(revoked_at=datetime.now(UTC)))
        tx.audit(after={"password_changed": True, "other_sessions_ended": int(ended.rowcount or 0)})  # type: ignore[attr-defined]


def _guard_admin_roles(session: Session, actor: Actor, action: str, user: User, changes: dict[str, object]) -> None:
    """三权分立 for role changes: administrator roles are granted or withdrawn only where administrators are
    created (the installer CLI, acting as ``system``), and the system never loses its last active auditor.

    Without this a sysadmin could create a leader (learning its first password) and a secadmin could then
    make it an auditor able to purge the trail, or demote the only auditor.
    """
    new_role = changes.get("role", user.role)
    deactivating = changes.get("is_active") is False
    touches_admin = user.role in ADMIN_ROLES or new_role in ADMIN_ROLES
    if action in {"user.set_role", "user.disable", "user.enable"} and touches_admin and actor.role != "system":
        raise PermissionDenied("管理员类角色（系统/安全/审计管理员）只能通过命令行授予、收回或停用")
    if user.role == "auditor" and user.is_active and (new_role != "auditor" or deactivating):
        others = session.exec(select(func.count()).select_from(User).where(
            User.role == "auditor", User.is_active == True, User.id != user.id)).one()  # noqa: E712
        if not others:
            raise Invalid("系统中必须至少保留一名在用的审计管理员")


def _session_pk(actor: Actor) -> int:
    return int(actor.session_id) if actor.session_id and actor.session_id.isdigit() else -1


def _admin_update(actor: Actor, perm: str, action: str, user_id: int, engine: Engine | None,
                  **changes: object) -> User:
    with transaction(actor, action, "user", user_id, engine=engine) as tx:
        require(actor, perm)
        user = tx.session.get(User, user_id)
        if user is None:
            raise NotFound("用户不存在")
        if user.id == actor.user_id and action in {"user.set_role", "user.disable"}:
            raise Invalid("不能修改自己的角色或停用自己的账户")
        if action == "user.reset_password" and user.role in ADMIN_ROLES and actor.role != "system":
            # resetting another administrator's password would hand its powers to the resetter
            raise PermissionDenied("管理员类账户的口令只能通过命令行重置")
        _guard_admin_roles(tx.session, actor, action, user, changes)
        shown = [k for k in changes if k != "password_hash"]
        before = {k: getattr(user, k) for k in shown}
        for key, value in changes.items():
            setattr(user, key, value)
        if action in {"user.set_role", "user.disable", "user.reset_password"}:
            # a reset usually means the account may be compromised: end every existing session too
            user.sessions_valid_after = datetime.now(UTC)
        user.version += 1
        tx.session.add(user)
        tx.audit(before=before, after={k: changes[k] for k in shown})
        return user


def user_id_for(username: str, *, engine: Engine | None = None) -> int:
    with read_session(engine) as session:
        user = session.exec(select(User).where(User.username == username)).first()
    if user is None or user.id is None:
        raise NotFound(f"用户不存在：{username}")
    return user.id


@retry_transient
def set_role(actor: Actor, user_id: int, role: str, *, engine: Engine | None = None) -> User:
    if role not in ROLE_LABELS:
        raise Invalid(f"未知角色：{role}")
    return _admin_update(actor, "user.roles", "user.set_role", user_id, engine, role=role)


@retry_transient
def set_active(actor: Actor, user_id: int, active: bool, *, engine: Engine | None = None) -> User:
    return _admin_update(actor, "user.manage", "user.disable" if not active else "user.enable", user_id, engine,
                         is_active=active)


@retry_transient
def unlock(actor: Actor, user_id: int, *, engine: Engine | None = None) -> User:
    return _admin_update(actor, "user.unlock", "user.unlock", user_id, engine, locked_until=None, failed_attempts=0)


@retry_transient
def reset_password(actor: Actor, user_id: int, *, engine: Engine | None = None) -> str:
    plain = generate_initial_password()
    _admin_update(actor, "user.manage", "user.reset_password", user_id, engine,
                  password_hash=hash_password(plain), must_change_password=True,
                  password_changed_at=datetime.now(UTC))
    return plain
