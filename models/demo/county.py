"""Loading the demo county (data/demo.toml) through the same services real users go through."""
from __future__ import annotations

import os
import tomllib
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import select

from models.db import read_session, write_session
from models.services import accounts, audit, handovers, plans
from models.services.actor import Actor
from models.services.units import ensure_unit
from models.tables import AppSetting, Plan, Unit, User

DEMO_FILE = Path(__file__).resolve().parents[2] / "data" / "demo.toml"
DEFAULT_DEMO_PASSWORD = "Qinghe#Reform2026"


def demo_password() -> str:
    return os.environ.get("REFORM_DEMO_PASSWORD", DEFAULT_DEMO_PASSWORD)


def _draft(spec: dict[str, Any], today: date) -> dict[str, Any]:
    def day(offset: int | None) -> str | None:
        return None if offset is None else (today + timedelta(days=offset)).isoformat()

    meta = spec["plan"]
    tasks = []
    for t in spec["tasks"]:
        tasks.append({
            "code": t["code"], "title": t["title"], "text": t.get("text", t["title"]), "parent": t.get("parent"),
            "lead_units": t.get("lead", []), "responsible_units": t.get("responsible", []),
            "supporting_units": t.get("supporting", []), "deadline": day(t.get("deadline")),
            "deadline_text": t.get("deadline_text"), "ongoing": t.get("ongoing", False),
            "relative": t.get("relative", False), "milestone": t.get("milestone", False),
            "depends_on": [{"code": c, "lag": lag} for c, lag in t.get("depends", [])],
            "status": t.get("status", "not_started"), "percent": 100 if t.get("status") == "done" else t.get("percent", 0),
            "actual_finish": day(t.get("finished")), "planned_start": day(t.get("start")),
        })
    phases = [{"name": p["name"], "end": day(p["end"])} for p in meta.get("phases", [])]
    return {"plan": {"title": meta["title"], "doc_number": meta["doc_number"], "issuer": meta["issuer"],
                     "date": day(meta["issued"]), "start_date": day(meta["start"]), "phases": phases},
            "tasks": tasks}


def _seed_units_and_users(spec: dict[str, Any], engine: Engine | None) -> None:
    system = Actor.system("demo")
    with write_session(engine) as session:
        for u in spec["units"]:
            ensure_unit(session, u["name"], kind=u.get("kind", "department"), aliases=u.get("aliases", []),
                        members=u.get("members", []))
        session.merge(AppSetting(key="special_units", value=dict(spec["special_units"])))
        audit.record(session, system, "demo.units", "unit", after={"units": len(spec["units"])})
    for u in spec["users"]:
        accounts.create_user(system, username=u["username"], display_name=u["display_name"], role=u["role"],
                             unit_name=u.get("unit"), password=demo_password(),
                             must_change=u.get("must_change", False), engine=engine)


def _actor(session: Any, unit_id: int) -> Actor:
    user = session.exec(select(User).where(User.unit_id == unit_id)).first()
    if user is None:
        raise RuntimeError(f"demo has no user for unit #{unit_id}")
    return accounts.actor_for(user)


def _seed_handovers(spec: dict[str, Any], plan_id: int, today: date, engine: Engine | None) -> None:
    """The demo's handovers as the parties would have left them, with what the automation issued after
    each change (item lists, 交接确认书 of the completed ones)."""
    from models.services.handover_automation import advance
    from models.tables import Task

    system = Actor.system("demo")
    with read_session(engine) as session:
        units = {u.name: u.id or 0 for u in session.exec(select(Unit)).all()}
        tasks = {t.code: t.id for t in session.exec(select(Task).where(Task.plan_id == plan_id)).all()}
    for h in spec.get("handovers", []):
        ho = handovers.create_handover(system, kind=h["kind"], title=h["title"], from_unit_id=units[h["from"]],
                                       to_unit_id=units[h["to"]], task_id=tasks[h["task"]], items=h["items"],
                                       declared_total=h.get("declared_total"), engine=engine)
        if not h.get("start"):
            continue
        ho = handovers.start(system, handover_id=ho.id or 0, expected_version=ho.version, engine=engine)
        for _ in range(h.get("confirm_steps", 0)):
            with read_session(engine) as session:
                step = handovers.current_step(handovers.steps_of(session, ho.id or 0))
                assert step is not None
                actor = _actor(session, step.unit_id)
            ho = handovers.confirm_step(actor, handover_id=ho.id or 0, step_id=step.id or 0,
                                        expected_version=ho.version, today=today, engine=engine).handover
        advance(ho.id or 0, today=today, engine=engine)


def load_accounts(*, engine: Engine | None = None, path: Path = DEMO_FILE) -> None:
    """The demo county's units and accounts without its plan: a county about to import its own plan."""
    spec = tomllib.loads(path.read_text("utf-8"))
    with read_session(engine) as session:
        if session.exec(select(User)).first() is not None:
            return
    _seed_units_and_users(spec, engine)


def load_demo(*, today: date, engine: Engine | None = None, path: Path = DEMO_FILE) -> Plan:
    """Idempotent: a database that already has the demo plan is left as it is."""
    spec = tomllib.loads(path.read_text("utf-8"))
    with read_session(engine) as session:
        existing = session.exec(select(Plan).where(Plan.title == spec["plan"]["title"])).first()
    if existing is not None:
        return existing
    _seed_units_and_users(spec, engine)
    result = plans.publish_plan(Actor.system("demo"), _draft(spec, today), source_filename="demo.toml",
                                today=today, engine=engine)
    _seed_handovers(spec, result.plan.id or 0, today, engine)
    return result.plan
