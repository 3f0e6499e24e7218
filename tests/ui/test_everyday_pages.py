"""延期与调整, 领导批示 and 条块互评 pages through the real app (AppTest), and the ranking's composition."""
from __future__ import annotations

from datetime import date

from models.services import evaluation, instructions
from tests import factories as f
from tests.ui.conftest import goto, login, texts


def _frame(at, column: str):  # type: ignore[no-untyped-def]
    return next(df.value for df in at.dataframe if column in df.value.columns)


def test_department_files_an_extension_and_the_office_approves_it(app_db):
    task = f.task(app_db, "四.3")
    at = login("chengguan")
    goto(at, "requests")
    at.selectbox(key="req_task").set_value(task.id).run()
    at.text_area(key="req_reason").input("需等待规划审批结果")
    at.date_input(key="req_date").set_value(date(2026, 12, 31))
    at.button(key="req_submit_extend").click().run()
    assert not at.exception
    assert "已提交任务 四.3 的延期申请" in texts(at)
    assert list(_frame(at, "状态")["状态"]) == ["待审批"]
    office = login("gaiban")
    goto(office, "requests")
    assert "县城市管理局** 申请延期任务 **四.3" in texts(office).replace("\\", "")
    office.button(key="req_refuse").click().run()
    assert "驳回申请必须填写理由" in texts(office)
    office.button(key="req_approve").click().run()
    assert not office.exception and "已批准申请" in texts(office)
    assert f.task(app_db, "四.3").deadline == date(2026, 12, 31)
    assert list(_frame(office, "状态")["状态"]) == ["已批准"]


def test_leader_instructs_and_follows_the_unit_replies(app_db):
    task = f.task(app_db, "四.3")
    at = login("lingdao")
    goto(at, "instructions")
    at.selectbox(key="ins_task").set_value(task.id).run()
    at.button(key="ins_follow").click().run()
    assert "已关注" in texts(at)
    assert list(_frame(at, "编号")["编号"]) == ["四.3"]  # 我关注的任务
    at.text_area(key="ins_text").input("请本周内拿出整改方案。")
    at.button(key="ins_write").click().run()
    assert not at.exception and "批示已下达各责任单位" in texts(at)
    goto(at, "tasks")
    assert _frame(at, "关注").iloc[0]["编号"] == "四.3"  # followed tasks come first for the leader
    [ins] = instructions.listing(f.actor(app_db, "gaiban"))
    unit = login("chengguan")
    goto(unit, "instructions")
    assert "请本周内拿出整改方案。" in texts(unit)
    unit.text_area(key=f"ins_{ins['id']}_reply_text").input("已制定整改方案，本周完成。")
    unit.button(key=f"ins_{ins['id']}_reply").click().run()
    assert not unit.exception and "已回复领导批示" in texts(unit)
    goto(at, "instructions")
    at.button(key=f"ins_{ins['id']}_close").click().run()
    assert not at.exception and "批示已办结" in texts(at)
    assert instructions.listing(f.actor(app_db, "gaiban"))[0]["state"] == "closed"


def test_evaluation_round_from_opening_to_the_ranking(app_db):
    office = login("gaiban")
    goto(office, "evaluation")
    office.text_input(key="eval_label").input("2026年11月条块互评")
    office.date_input(key="eval_start").set_value(date(2026, 11, 1))
    office.date_input(key="eval_end").set_value(date(2026, 11, 15))
    office.number_input(key="eval_min").set_value(0.0)
    office.number_input(key="eval_max").set_value(100.0)
    office.button(key="FormSubmitter:eval_open_form-开启互评").click().run()
    assert not office.exception and "已开启互评“2026年11月条块互评”" in texts(office)
    zhen = login("chengguanzhen")
    goto(zhen, "evaluation")
    sheet = _frame(zhen, "被评单位")
    assert "县城市管理局" in set(sheet["被评单位"])
    cg = f.actor(app_db, "chengguan").unit_id
    zhen.selectbox(key="eval_ratee").set_value(cg).run()
    zhen.number_input(key=f"eval_score_{cg}").set_value(90.0)
    zhen.button(key="eval_save").click().run()
    assert not zhen.exception and "已保存对县城市管理局的评分" in texts(zhen)
    goto(office, "evaluation")
    office.button(key="eval_close").click().run()
    assert not office.exception and "结果计入排名" in texts(office)
    assert evaluation.results(evaluation.rounds()[0]["id"])[0]["peer_score"] == 90.0
    goto(office, "rankings")
    page = texts(office)
    assert "互评权重 0.2（2026年11月条块互评）" in page
    row = _frame(office, "得分构成").set_index("单位").loc["县城市管理局"]
    assert "互评 90.0×" in row["得分构成"] and row["互评"] == 90.0


def test_task_detail_lists_its_requests_and_instructions(app_db):
    """任务 → a task's detail shows its 延期 request and 批示 with their states (and nothing for other tasks)."""
    from models.services import requests

    task = f.task(app_db, "四.3")
    requests.file_extension(f.actor(app_db, "chengguan"), task_id=task.id, expected_version=task.version,
                            new_deadline=date(2026, 12, 31),
                            reason="需等待规划审批结果", engine=app_db)
    instructions.write(f.actor(app_db, "lingdao"), task_id=task.id, text="请本周内拿出整改方案。", engine=app_db)
    at = login("gaiban")
    goto(at, "tasks")
    at.selectbox(key="task_pick").set_value(task.id).run()
    assert not at.exception
    assert "延期/调整申请与领导批示" in texts(at)
    asked = _frame(at, "申请内容")
    assert list(asked["状态"]) == ["待审批"] and asked.iloc[0]["理由"] == "需等待规划审批结果"
    said = _frame(at, "批示内容")
    assert list(said["批示内容"]) == ["请本周内拿出整改方案。"] and list(said["已回复"]) == ["0/1"]
    other = f.task(app_db, "四.2")
    at.selectbox(key="task_pick").set_value(other.id).run()
    assert "延期/调整申请与领导批示" not in texts(at)
