"""条块互评 rounds and ratings, and how they enter the ranking with the office's weights."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from models.db import read_session
from models.services import evaluation, rankings, requests, scorecard
from models.services.errors import Conflict, Invalid, PermissionDenied
from models.tables import AuditEvent, Unit
from tests.conftest import TODAY
from tests.factories import actor, task

CHENGGUAN, ZHEN = "县城市管理局", "城关镇人民政府"


def _ids(engine: Engine, *names: str) -> list[int]:
    with read_session(engine) as s:
        return [s.exec(select(Unit.id).where(Unit.name == n)).one() for n in names]  # type: ignore[misc]


def _round(engine: Engine, **kw: object) -> int:
    office = actor(engine, "gaiban")
    rnd = evaluation.open_round(office, label=str(kw.get("label", "2026年11月条块互评")),
                                period_start=date(2026, 11, 1), period_end=date(2026, 11, 15),
                                scale_min=float(kw.get("lo", 1)), scale_max=float(kw.get("hi", 5)), engine=engine)
    return rnd.id or 0


def test_units_rate_their_counterparts_across_the_line(demo_engine: Engine) -> None:
    chengguan, zhen, caizheng = (actor(demo_engine, n) for n in ("chengguan", "chengguanzhen", "caizheng"))
    cg, cz, hx = _ids(demo_engine, CHENGGUAN, ZHEN, "河西镇人民政府")
    with read_session(demo_engine) as s:
        assert cz in evaluation.counterparts(s, cg) and hx in evaluation.counterparts(s, cg)  # via 各镇人民政府
        assert cg in evaluation.counterparts(s, cz)
        assert all(evaluation.side(u.kind) == "块" for u in s.exec(select(Unit).where(
            Unit.id.in_(evaluation.counterparts(s, cg)))).all())  # type: ignore[attr-defined]
    rid = _round(demo_engine)
    first = evaluation.rate(zhen, round_id=rid, ratee_unit_id=cg, score=4, engine=demo_engine)
    with pytest.raises(Conflict):  # a second "new" rating is a stale view of the first
        evaluation.rate(zhen, round_id=rid, ratee_unit_id=cg, score=5, engine=demo_engine)
    edited = evaluation.rate(zhen, round_id=rid, ratee_unit_id=cg, score=5, expected_version=first.version,
                             engine=demo_engine)
    assert (edited.id, edited.score, edited.version) == (first.id, 5, 2)  # one rating per rater/ratee/round
    with pytest.raises(Invalid, match="1–5"):
        evaluation.rate(chengguan, round_id=rid, ratee_unit_id=cz, score=7, engine=demo_engine)
    with pytest.raises(PermissionDenied, match="共同任务"):  # 财政局 shares no task with 城关镇 … and is a 条
        evaluation.rate(caizheng, round_id=rid, ratee_unit_id=cz, score=3, engine=demo_engine)
    with pytest.raises(PermissionDenied):  # 条 does not rate 条
        evaluation.rate(chengguan, round_id=rid, ratee_unit_id=_ids(demo_engine, "县财政局")[0], score=3,
                        engine=demo_engine)
    evaluation.rate(chengguan, round_id=rid, ratee_unit_id=cz, score=3, engine=demo_engine)
    sheet = {r["unit"]: r for r in evaluation.my_sheet(chengguan, rid, engine=demo_engine)}
    assert sheet[ZHEN]["score"] == 3 and sheet["河西镇人民政府"]["score"] is None
    office = actor(demo_engine, "gaiban")
    rnd = next(r for r in evaluation.rounds(engine=demo_engine) if r["id"] == rid)
    evaluation.close_round(office, round_id=rid, expected_version=rnd["version"], engine=demo_engine)
    with pytest.raises(Invalid, match="已结束"):
        evaluation.rate(chengguan, round_id=rid, ratee_unit_id=cz, score=4, expected_version=1, engine=demo_engine)
    results = {r["unit"]: r for r in evaluation.results(rid, engine=demo_engine)}
    assert results[CHENGGUAN] == {"unit": CHENGGUAN, "unit_id": cg, "ratings": 1, "average": 5.0, "peer_score": 100.0}
    assert results[ZHEN]["peer_score"] == 50.0  # 3 on 1–5


def test_round_settings_are_checked(demo_engine: Engine) -> None:
    office, chengguan = actor(demo_engine, "gaiban"), actor(demo_engine, "chengguan")
    with pytest.raises(Invalid, match="最低分 < 最高分"):
        _round(demo_engine, lo=5, hi=5)
    with pytest.raises(PermissionDenied):
        evaluation.open_round(chengguan, label="x", period_start=TODAY, period_end=TODAY, engine=demo_engine)
    _round(demo_engine)
    with pytest.raises(Invalid, match="已有名为"):
        _round(demo_engine)
    with pytest.raises(Invalid, match="开始日期"):
        evaluation.open_round(office, label="y", period_start=TODAY, period_end=TODAY - timedelta(days=1),
                              engine=demo_engine)


def test_ranking_composes_on_time_signoff_peer_and_extensions(demo_engine: Engine) -> None:
    office, chengguan, zhen = (actor(demo_engine, n) for n in ("gaiban", "chengguan", "chengguanzhen"))
    cg, cz = _ids(demo_engine, CHENGGUAN, ZHEN)
    rid = _round(demo_engine, lo=0, hi=100)
    evaluation.rate(zhen, round_id=rid, ratee_unit_id=cg, score=80, engine=demo_engine)
    evaluation.close_round(office, round_id=rid, expected_version=1, engine=demo_engine)
    t = task(demo_engine, "五.4")
    req = requests.file_extension(chengguan, task_id=t.id or 0, expected_version=t.version,
                                  new_deadline=TODAY + timedelta(days=30), reason="x", today=TODAY, engine=demo_engine)
    requests.decide(office, request_id=req.id or 0, expected_version=req.version, approve=True, today=TODAY,
                    engine=demo_engine)
    scorecard.set_weights(office, {"on_time": 0.5, "signoff": 0.25, "peer": 0.25, "extensions": 2},
                          engine=demo_engine)
    with read_session(demo_engine) as s:
        units = {u["unit_id"]: u for u in rankings.rank_units(s, as_of=TODAY, start=TODAY - timedelta(days=6))}
    u = units[cg]
    parts = {c["key"]: c for c in u["components"]}
    assert parts["peer"]["value"] == 80.0 and parts["extensions"]["value"] == 1.0
    assert parts["extensions"]["points"] == -2.0
    rates = [c for c in u["components"] if c["kind"] == "rate" and c["value"] is not None]
    assert abs(sum(c["weight"] for c in rates) - 1) < 1e-3  # re-normalised over the figures it has
    assert u["score"] == round(sum(c["points"] for c in u["components"]), 1)
    assert u["on_time_score"] is not None and u["score"] != u["on_time_score"]
    text = scorecard.describe(u["components"])
    assert "互评 80.0×" in text and "延期 1×2=-2.0" in text
    # a unit with no 签收 receipts and no rating is scored on what it has (not punished for missing figures)
    other = next(x for x in units.values() if x["score"] is not None and x["figures"]["peer"] is None
                 and x["figures"]["signoff"] is None)
    assert other["score"] == other["on_time_score"]
    with read_session(demo_engine) as s:
        ev = s.exec(select(AuditEvent).where(AuditEvent.action == "ranking.weights")).one()
    assert ev.after["extensions"] == 2 and ev.before["extensions"] == 1.0
    with pytest.raises(Invalid, match="至少一项"):
        scorecard.set_weights(office, {"on_time": 0, "signoff": 0, "peer": 0}, engine=demo_engine)
    with pytest.raises(PermissionDenied):
        scorecard.set_weights(chengguan, {"on_time": 1}, engine=demo_engine)
    # the bulletin carries the composition and its legend (which round the 互评 comes from)
    data = rankings.bulletin("week", TODAY, engine=demo_engine)
    legend = {c["key"]: c for c in data["composition"]}
    assert legend["peer"]["source"] == "2026年11月条块互评" and legend["extensions"]["weight"] == 2
    assert all("components" in unit for unit in data["units"])


def test_the_line_between_tiao_and_kuai() -> None:
    assert evaluation.side("town") == evaluation.side("street") == "块"
    assert evaluation.side("department", "城南街道办事处") == "块"  # imported with the default kind
    assert evaluation.side("department", "柳林乡人民政府") == "块"
    assert evaluation.side("department", "县城市管理局") == evaluation.side("office", "改革办") == "条"
