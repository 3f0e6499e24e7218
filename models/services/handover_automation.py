"""What is due for a handover, derived from database state alone — the handover use case.

Every change to a handover (start, confirm, reject, from the web app, the CLI or a flow) is followed
by :func:`advance`, started through ``flows.client`` (a deployment run with a Prefect server, in-process
without one). Nothing here waits for people: each call looks at the rows and does whatever is missing
(list document, next party's notice, 交接确认书, release notices), keyed so that doing it twice changes
nothing — notices by idempotency key, notifications by (topic, channel).
"""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models.db import read_session
from models.links import handover_link, task_url
from models.services import handovers, notices
from models.services.actor import Actor
from models.services.errors import Invalid, NotFound
from models.services.handover_items import KIND_LABELS
from models.services.handovers import PARTY_LABELS, current_step, steps_of
from models.services.notify import DeliveryStats, Message, deliver, task_recipients
from models.services.steps import Runner, direct, parse_day, recorded, step
from models.settings import get_settings
from models.tables import Dependency, Handover, Notice, Task, Unit
from models.vocabulary import FINISHED, HandoverStatus, StepStatus

LIST_KINDS = {"staff": "staff-roster", "asset": "asset-list", "archive": "archive-list",
              "establishment": "establishment"}
HANDOVER_ACTOR = Actor.system("handover")


def list_key(handover_id: int) -> str:
    return f"handover:{handover_id}:list"


def confirmation_key(handover_id: int) -> str:
    return f"handover:{handover_id}:confirmation"


def _load(session: Session, handover_id: int) -> Handover:
    ho = session.get(Handover, handover_id)
    if ho is None:
        raise NotFound(f"交接事项不存在：#{handover_id}")
    return ho


def _issue(kind: str, handover_id: int, key: str, today: date | None, engine: Engine | None) -> Notice:
    return notices.by_key(key, engine) or notices.issue(
        HANDOVER_ACTOR, kind, notices.Subject(handover_id=handover_id), idempotency_key=key,
        today=today or get_settings().today(), engine=engine)


@step("issue-item-list", "生成交接清单", retries=3, retry_delays=(2, 10, 30))
def issue_list(handover_id: int, *, today: date | None = None, engine: Engine | None = None) -> int | None:
    """The signed item list (花名册/资产清单/档案移交清单) once the handover has started."""
    with read_session(engine) as session:
        ho = _load(session, handover_id)
    if ho.status == HandoverStatus.DRAFT or ho.kind not in LIST_KINDS:
        return None
    return _issue(LIST_KINDS[ho.kind], handover_id, list_key(handover_id), today, engine).id


@step("issue-confirmation", "生成交接确认书", retries=3, retry_delays=(2, 10, 30))
def issue_confirmation(handover_id: int, *, today: date | None = None, engine: Engine | None = None) -> int | None:
    """The 交接确认书 once every party has confirmed."""
    with read_session(engine) as session:
        ho = _load(session, handover_id)
    if ho.status != HandoverStatus.COMPLETED:
        return None
    return _issue("handover-confirmation", handover_id, confirmation_key(handover_id), today, engine).id


def _doc(session: Session, key: str) -> str:
    notice = session.exec(select(Notice).where(Notice.idempotency_key == key)).first()
    return f"（{notice.doc_number}）" if notice else ""


def due_messages(handover_id: int, *, engine: Engine | None = None) -> list[Message]:
    """Messages the current state calls for; earlier ones are no-ops thanks to Delivery uniqueness."""
    with read_session(engine) as session:
        ho = _load(session, handover_id)
        if ho.status == HandoverStatus.DRAFT:
            return []
        steps = steps_of(session, handover_id)
        names = {u.id: u.name for u in session.exec(select(Unit)).all()}
        parties = frozenset({ho.from_unit_id, ho.to_unit_id, *(s.unit_id for s in steps)})
        label = KIND_LABELS.get(ho.kind, "交接")
        order = "→".join(f"{PARTY_LABELS[s.party_role]}（{names.get(s.unit_id, '')}）" for s in steps)
        out = [Message(f"handover:{ho.id}:start", parties, f"【{label}】{ho.title} 已启动",
                       f"{ho.title}已启动，交接清单{_doc(session, list_key(ho.id or 0))}已生成。\n"
                       f"确认顺序：{order}。\n请各方登录改革任务督办系统，按顺序核对清单并确认。", handover_link(ho.id or 0).url)]
        step = current_step(steps)
        if step is not None and (step.seq > 1 or step.version > 1):
            rejected = next((s for s in steps if s.status == StepStatus.REJECTED), None)
            reason = f"\n退回原因：{rejected.reject_reason}" if rejected and rejected.reject_reason else ""
            out.append(Message(f"handover:{ho.id}:step:{step.seq}:v{step.version}", frozenset({step.unit_id}),
                               f"【待确认】{ho.title}",
                               f"{ho.title}已轮到贵单位（{PARTY_LABELS[step.party_role]}）确认，"
                               f"请登录系统核对交接清单后确认或退回。{reason}", handover_link(ho.id or 0).url))
        if ho.status == HandoverStatus.COMPLETED:
            out.append(Message(f"handover:{ho.id}:completed", parties, f"【交接完成】{ho.title}",
                               f"{ho.title}各方已全部确认，交接确认书{_doc(session, confirmation_key(ho.id or 0))}"
                               "已生成，请登录系统下载归档。", handover_link(ho.id or 0).url))
            out += _release_messages(session, ho)
        return out


def released_task_ids(session: Session, ho: Handover) -> list[int]:
    """Successors of the handover's task once that task is finished (what ``StepOutcome`` reported)."""
    task = session.get(Task, ho.task_id) if ho.task_id else None
    if task is None or task.status not in FINISHED:
        return []
    return [d.succ_id for d in session.exec(select(Dependency).where(Dependency.pred_id == task.id)).all()]


def _release_messages(session: Session, ho: Handover) -> list[Message]:
    succ_ids = released_task_ids(session, ho)
    if not succ_ids:
        return []
    pred = session.get(Task, ho.task_id)
    recipients = task_recipients(session, succ_ids)
    out = []
    for succ_id in succ_ids:
        succ = session.get(Task, succ_id)
        if succ is None or not recipients.get(succ_id):
            continue
        open_preds = [t.code for t in session.exec(
            select(Task).join(Dependency, Dependency.pred_id == Task.id)  # type: ignore[arg-type]
            .where(Dependency.succ_id == succ_id, Task.status.not_in(FINISHED))).all()]  # type: ignore[attr-defined]
        tail = (f"尚有前置任务{'、'.join(open_preds)}未完成，请做好衔接准备。" if open_preds
                else "前置任务已全部完成，可以启动。")
        out.append(Message(f"handover:{ho.id}:released:{succ_id}", recipients[succ_id],
                           f"【任务可启动】{succ.code} {succ.title}",
                           f"前置任务{pred.code if pred else ''}（{ho.title}）已完成交接。"
                           f"任务{succ.code}“{succ.title}”{tail}", task_url(succ.code, succ.plan_id)))
    return out


@step("notify-parties", "通知交接各方", retries=2, retry_delays=(5, 30))
def notify(handover_id: int, *, engine: Engine | None = None, retries: int | None = None,
           backoff_s: float | None = None) -> DeliveryStats:
    kwargs: dict[str, Any] = {} if backoff_s is None else {"backoff_s": backoff_s}
    return deliver(due_messages(handover_id, engine=engine), engine=engine, retries=retries, **kwargs)


def _handover_id(value: int | str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Invalid(f"交接事项编号不正确：{str(value)[:20]}") from None


@step("start-handover", "启动交接")
def start_as_system(handover_id: int, expected_version: int, *, engine: Engine | None = None) -> None:
    handovers.start(HANDOVER_ACTOR, handover_id=handover_id, expected_version=expected_version, engine=engine)


def advance(handover_id: int | str, *, start_version: int | str | None = None, today: str | date | None = None,
            runner: Runner = direct, ref: str | None = None, engine: Engine | None = None,
            retries: int | None = None, backoff_s: float | None = None) -> dict[str, Any]:
    """Do whatever is due now: the list document, the next party's notice, the 交接确认书, the release
    of dependent tasks. The one implementation behind the web app, ``reform handover advance`` and the
    ``advance-handover`` / ``start-handover`` flows (``start_version``: start the handover first, as the
    system, for scripted runs; the web app starts it as the signed-in office user)."""
    params = {"handover_id": handover_id, "start_version": start_version,
              "today": today.isoformat() if isinstance(today, date) else today}
    with recorded("handover", params, runner=runner, ref=ref, engine=engine) as run:
        hid, day = _handover_id(handover_id), parse_day(today)
        with read_session(engine) as session:
            _load(session, hid)
        if start_version is not None:
            run(start_as_system, hid, _handover_id(start_version), engine=engine)
        kwargs: dict[str, Any] = {} if backoff_s is None else {"backoff_s": backoff_s}
        run.stats.update(handover_id=hid,
                         list_notice_id=run(issue_list, hid, today=day, engine=engine),
                         confirmation_notice_id=run(issue_confirmation, hid, today=day, engine=engine),
                         notify=run(notify, hid, engine=engine, retries=retries, **kwargs).as_dict())
        return run.stats


def start(handover_id: int | str, expected_version: int | str, today: str | date | None = None, *,
          runner: Runner = direct, ref: str | None = None, engine: Engine | None = None) -> dict[str, Any]:
    """``start-handover``: start as the system (scripted runs), then advance — one record, one use case."""
    return advance(handover_id, start_version=expected_version, today=today, runner=runner, ref=ref, engine=engine)
