"""Units, aliases and group units; the alias table maps names as written to canonical units."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models.db import retry_transient
from models.services.actor import Actor
from models.services.errors import Invalid
from models.services.permissions import require
from models.services.uow import transaction
from models.tables import Unit, UnitAlias, UnitGroupMember


def names_of(session: Session, unit_ids: Iterable[int | None]) -> dict[int, str]:
    """Names of just these units: a province has 40 000 of them, a page shows a few."""
    ids = sorted({u for u in unit_ids if u is not None})
    out: dict[int, str] = {}
    for i in range(0, len(ids), 900):
        rows = session.execute(sa_select(Unit.id, Unit.name).where(Unit.id.in_(ids[i:i + 900])))  # type: ignore[call-overload, union-attr]
        out.update({r.id: r.name for r in rows})
    return out


def alias_map(session: Session) -> dict[str, str]:
    """Every known spelling (canonical names, short names, aliases) → canonical name."""
    units = {u.id: u.name for u in session.exec(select(Unit)).all()}
    mapping = {name: name for name in units.values()}
    for u in session.exec(select(Unit)).all():
        if u.short_name:
            mapping.setdefault(u.short_name, u.name)
    for a in session.exec(select(UnitAlias)).all():
        mapping[a.alias] = units[a.unit_id]
    return mapping


def resolve(session: Session, names: Iterable[str]) -> dict[str, Unit | None]:
    from models.importing.units import resolve_units

    by_name = {u.name: u for u in session.exec(select(Unit)).all()}
    pairs = resolve_units(list(names), alias_map(session))
    return {written: (by_name.get(canonical) if canonical else None) for written, canonical in pairs}


def ensure_unit(session: Session, name: str, *, kind: str = "department", aliases: Iterable[str] = (),
                members: Iterable[str] = ()) -> Unit:
    unit = session.exec(select(Unit).where(Unit.name == name)).first()
    if unit is None:
        unit = Unit(name=name, kind=kind, is_group=kind == "group")
        session.add(unit)
        session.flush()
    for alias in aliases:
        if alias != name and session.exec(select(UnitAlias).where(UnitAlias.alias == alias)).first() is None:
            session.add(UnitAlias(alias=alias, unit_id=unit.id or 0))
    for member_name in members:
        member = session.exec(select(Unit).where(Unit.name == member_name)).first()
        if member is None:
            raise Invalid(f"组成员单位不存在：{member_name}")
        if session.get(UnitGroupMember, (unit.id, member.id)) is None:
            session.add(UnitGroupMember(group_id=unit.id or 0, member_id=member.id or 0))
            from models.services.rankings import forget

            forget(session)  # a group stands for its members in every plan's ranking
    session.flush()
    return unit


@retry_transient
def set_alias(actor: Actor, *, alias: str, unit_name: str, engine: Engine | None = None) -> None:
    """The office/administrator corrects a mapping (县编办 → 县委机构编制委员会办公室)."""
    with transaction(actor, "unit.alias", "unit_alias", alias, engine=engine) as tx:
        require(actor, "unit.manage")
        alias = alias.strip()
        if not alias:
            raise Invalid("简称不能为空")
        unit = tx.session.exec(select(Unit).where(Unit.name == unit_name)).first()
        if unit is None:
            raise Invalid(f"未知单位：{unit_name}")
        row = tx.session.exec(select(UnitAlias).where(UnitAlias.alias == alias)).first()
        before = {"unit_id": row.unit_id} if row else {}
        if row is None:
            row = UnitAlias(alias=alias, unit_id=unit.id or 0)
        row.unit_id = unit.id or 0
        tx.session.add(row)
        tx.audit(before=before, after={"unit_id": unit.id, "unit": unit.name})


@retry_transient
def add_unit(actor: Actor, *, name: str, kind: str = "department", aliases: Iterable[str] = (),
             members: Iterable[str] = (), engine: Engine | None = None) -> Unit:
    with transaction(actor, "unit.create", "unit", name, engine=engine) as tx:
        require(actor, "unit.manage")
        if not name.strip():
            raise Invalid("单位名称不能为空")
        if tx.session.exec(select(Unit).where(Unit.name == name)).first():
            raise Invalid(f"单位已存在：{name}")
        unit = ensure_unit(tx.session, name.strip(), kind=kind, aliases=aliases, members=members)
        tx.audit(after={"name": unit.name, "kind": kind, "aliases": list(aliases), "members": list(members)})
        return unit
