"""领导批示 and 关注: delivery to the task's units (email as received), replies, closure, follow order."""
from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from models.services import instructions
from models.services.errors import Conflict, Invalid, PermissionDenied
from models.services.reads import tasks as tasks_reads
from tests.factories import actor, task
from tests.integration.helpers_scan import add_channel
from tests.mailbox import (
    Mailbox,
    mailbox_fixture,  # noqa: F401 (pytest fixture "mailbox")
)


def test_instruction_is_delivered_and_replies_are_tracked_per_unit(demo_engine: Engine, mailbox: Mailbox) -> None:
    lingdao, office = actor(demo_engine, "lingdao"), actor(demo_engine, "gaiban")
    chengguan, zhen, caizheng = (actor(demo_engine, n) for n in ("chengguan", "chengguanzhen", "caizheng"))
    add_channel(demo_engine, "县城市管理局", mailbox.url("cgj@example.gov.cn"))
    add_channel(demo_engine, "城关镇人民政府", mailbox.url("cgz@example.gov.cn"))
    t = task(demo_engine, "六.2")  # lead 县城市管理局, responsible 各镇人民政府 (each town)
    ins, stats = instructions.write(lingdao, task_id=t.id or 0, text="请加快推进，月底前报送进展。", engine=demo_engine)
    assert stats.sent == 2 and stats.failed == 0
    mail = mailbox.to("cgz@example.gov.cn")
    assert len(mail) == 1 and "【领导批示】六.2" in mail[0] and "请加快推进，月底前报送进展。" in mail[0]
    assert "instructions" in mail[0]  # the link to the page where the unit replies
    [row] = instructions.listing(zhen, engine=demo_engine)  # in-app: the town sees it too
    assert row["state_label"] == "待回复" and len(row["units"]) == 5  # 城管局 + four towns
    assert instructions.listing(caizheng, engine=demo_engine) == []
    with pytest.raises(PermissionDenied, match="未下达本单位"):
        instructions.reply(caizheng, instruction_id=ins.id or 0, text="代答", engine=demo_engine)
    instructions.reply(chengguan, instruction_id=ins.id or 0, text="已部署", engine=demo_engine)
    with pytest.raises(Invalid, match="已回复"):
        instructions.reply(chengguan, instruction_id=ins.id or 0, text="再答", engine=demo_engine)
    with pytest.raises(Invalid, match="全部回复后才能办结"):
        instructions.close(office, instruction_id=ins.id or 0, expected_version=2, engine=demo_engine)
    instructions.reply(zhen, instruction_id=ins.id or 0, text="本镇已落实", engine=demo_engine)
    towns = [u for u in instructions.listing(office, engine=demo_engine)[0]["units"] if u["unit"] != "县城市管理局"]
    assert sum(1 for u in towns if u["reply"]) == 1
    current = instructions.listing(office, engine=demo_engine)[0]
    assert current["state"] == "open" and current["replied"] == 2


def test_all_replies_make_it_answered_then_the_leader_closes(demo_engine: Engine) -> None:
    lingdao, chengguan = actor(demo_engine, "lingdao"), actor(demo_engine, "chengguan")
    t = task(demo_engine, "四.3")  # lead 县城市管理局 only
    ins, _ = instructions.write(lingdao, task_id=t.id or 0, text="抓紧办理", engine=demo_engine)
    answered = instructions.reply(chengguan, instruction_id=ins.id or 0, text="本周完成", engine=demo_engine)
    assert answered.state == "answered"
    with pytest.raises(Conflict):
        instructions.close(lingdao, instruction_id=ins.id or 0, expected_version=ins.version, engine=demo_engine)
    closed = instructions.close(lingdao, instruction_id=ins.id or 0, expected_version=answered.version,
                                note="同意", engine=demo_engine)
    assert closed.state == "closed"
    with pytest.raises(Invalid, match="已办结"):
        instructions.reply(chengguan, instruction_id=ins.id or 0, text="补充", engine=demo_engine)
    with pytest.raises(Invalid, match="请填写批示内容"):
        instructions.write(lingdao, task_id=t.id or 0, text="   ", engine=demo_engine)


def test_followed_tasks_come_first(demo_engine: Engine) -> None:
    lingdao = actor(demo_engine, "lingdao")
    plan_id = task(demo_engine, "七.4").plan_id
    later = task(demo_engine, "七.4")
    instructions.follow(lingdao, task_id=later.id or 0, engine=demo_engine)
    rows, _ = tasks_reads.task_table(plan_id, follower_id=lingdao.user_id, engine=demo_engine)
    assert rows[0]["code"] == "七.4" and rows[0]["followed"] and not rows[1]["followed"]
    plain, _ = tasks_reads.task_table(plan_id, engine=demo_engine)
    assert plain[0]["code"] != "七.4"
    instructions.follow(lingdao, task_id=later.id or 0, on=False, engine=demo_engine)
    assert instructions.followed_ids(lingdao.user_id, engine=demo_engine) == []
