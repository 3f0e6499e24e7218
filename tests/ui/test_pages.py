"""Every page for the roles that use it, through the real app (AppTest) against a demo database."""
from __future__ import annotations

from datetime import date

from sqlmodel import select

from models.db import read_session
from models.services import tasks
from models.tables import Handover, HandoverStep, Notice, Plan, ProgressReport, Task, Unit
from tests import factories as f
from tests.ui.conftest import goto, login, texts, toasts


def test_office_overview_shows_lights_charts_and_lists(app_db):
    at = login("gaiban")
    page = texts(at)
    assert "总览" in page and "清河县城市管理体制改革实施方案" in page
    assert "红灯" in page and "甘特图：关键路径、风险任务与里程碑" in page
    assert len(at.get("plotly_chart")) >= 4  # lights, phases, burn-up, Gantt
    assert at.get("graphviz_chart"), "dependency graph"
    assert "最新动态" in page and "风险与逾期任务" in page


def test_leader_reads_overview_and_rankings_but_not_tasks_admin(app_db):
    at = login("lingdao")
    assert "总览" in texts(at)
    goto(at, "rankings")
    page = texts(at)
    assert "红榜" in page and "黑榜" in page and "排名明细" in page


def test_tasks_page_filters_and_shows_detail_with_deadline_rule_and_slip(app_db):
    at = login("gaiban")
    goto(at, "tasks")
    assert "任务详情" in texts(at)
    rel = f.task(app_db, "三.1")
    at.selectbox(key="task_pick").set_value(rel.id).run()
    page = texts(at)
    assert "相对时限" in page and "“三定”规定印发后2个月内" in page
    at.number_input(key="slip_days").set_value(20)
    at.button(key="slip_run").click().run()
    assert not at.exception
    assert "延误 20 天将推迟" in texts(at)
    at.multiselect(key="flt_light").set_value(["red"]).run()
    assert not at.exception


def test_department_reports_progress_on_own_task(app_db):
    at = login("chengguan")
    goto(at, "my_unit")
    assert "本单位：县城市管理局" in texts(at)
    task = f.task(app_db, "四.3")
    at.selectbox(key="report_task").set_value(task.id).run()
    at.slider(key="report_percent_0").set_value(85)
    at.text_area(key="report_note_0").input("信息共享平台已上线试运行")
    at.button(key="report_progress_0").click().run()
    assert not at.exception
    assert "已报告任务 四.3 进展 85%" in texts(at)
    assert "已报告任务 四.3 进展 85%" in toasts(at)  # in view wherever the user has scrolled to
    assert f.task(app_db, "四.3").percent == 85
    assert at.text_area(key="report_note_1").value == ""  # the form is empty again: no second identical report
    assert not any(t.key == "report_note_0" for t in at.text_area)
    at.button(key="report_progress_1").click().run()  # unchanged percent, no note: refused, nothing filed
    assert any("本次报告没有新内容" in e.value for e in at.error)
    with read_session(app_db) as s:
        reports = s.exec(select(ProgressReport).where(ProgressReport.task_id == task.id,
                                                      ProgressReport.kind == "progress")).all()
    assert [r.note for r in reports].count("信息共享平台已上线试运行") == 1


def test_department_confirms_its_handover_step(app_db):
    at = login("chengguan")
    goto(at, "my_unit")
    staff = f.handover(app_db, "staff")
    at.button(key=f"my_step_{staff.id}_confirm").click().run()
    assert not at.exception
    with read_session(app_db) as s:
        steps = s.exec(select(HandoverStep).where(HandoverStep.handover_id == staff.id)
                       .order_by(HandoverStep.seq)).all()
    assert [st.status for st in steps[:2]] == ["confirmed", "confirmed"]


def test_receiver_rejection_needs_a_reason(app_db):
    at = login("chengguan")
    goto(at, "handovers")
    staff = f.handover(app_db, "staff")
    assert at.selectbox(key="ho_pick").value == staff.id  # the step waiting for this unit comes first
    at.button(key=f"ho_step_{staff.id}_reject").click().run()
    assert "退回必须填写原因" in texts(at)


def test_office_starts_draft_handover_and_sees_items(app_db):
    at = login("gaiban")
    goto(at, "handovers")
    archive = f.handover(app_db, "archive")
    at.selectbox(key="ho_pick").set_value(archive.id).run()
    assert "清单合计" in texts(at)
    at.button(key=f"start_{archive.id}").click().run()
    assert not at.exception
    with read_session(app_db) as s:
        assert s.get(Handover, archive.id).status == "in_progress"


def test_office_reviews_a_task_reported_done(app_db):
    task = f.task(app_db, "五.4")
    tasks.report_done(f.actor(app_db, "chengguan"), task_id=task.id, expected_version=task.version, note="已印发")
    at = login("gaiban")
    goto(at, "alerts")
    assert "有 1 项任务已上报完成" in str([link.proto.label for link in at.get("page_link")])
    goto(at, "review")
    assert "五.4" in texts(at) and "已印发" in texts(at)  # the department's note is on the card
    at.button(key=f"review_{task.id}_return").click().run()
    assert "退回重办须填写退回原因" in texts(at)
    assert f.task(app_db, "五.4").status == "pending_review"
    at.text_input(key=f"review_{task.id}_reason").input("缺少正式文件")
    at.button(key=f"review_{task.id}_return").click().run()
    assert f.task(app_db, "五.4").status == "in_progress"
    assert "任务 五.4 已退回责任单位重办，退回原因：缺少正式文件" in texts(at)
    assert "已退回" in toasts(at)
    assert "没有待审核的任务" in texts(at)


def test_office_issues_supervision_notices_in_a_batch(app_db):
    at = login("gaiban")
    goto(at, "alerts")
    assert at.button(key="sup_issue").disabled  # nothing is ticked at first
    at.session_state["sup_pick"] = {"edited_rows": {0: {"选择": True}, 1: {"选择": True}}, "added_rows": [],
                                    "deleted_rows": []}
    at.run()
    at.button(key="sup_issue").click().run()
    page = texts(at)
    assert "将正式印发 **2 份**督办通知单" in page and "县改办督" in page  # the series and the count, before issuing
    with read_session(app_db) as s:
        assert not s.exec(select(Notice).where(Notice.kind == "supervision")).all()
    at.button(key="sup_confirm").click().run()
    assert not at.exception
    assert "已印发督办通知单 2 份" in texts(at)
    with read_session(app_db) as s:
        issued = s.exec(select(Notice).where(Notice.kind == "supervision")).all()
    assert issued and all("督" in n.doc_number or n.doc_number for n in issued)
    at.session_state["sup_pick"] = {"edited_rows": {0: {"选择": True}, 1: {"选择": True}}, "added_rows": [],
                                    "deleted_rows": []}
    at.run()
    at.button(key="sup_issue").click().run()  # same day again: the same numbers, nothing new
    at.button(key="sup_confirm").click().run()
    with read_session(app_db) as s:
        assert len(s.exec(select(Notice).where(Notice.kind == "supervision")).all()) == len(issued)


def test_staffing_issues_a_notice_and_voids_it(app_db):
    at = login("bianban")
    goto(at, "notices")
    kinds = at.selectbox(key="doc_kind").options
    assert kinds and all("督办" not in k for k in kinds)  # the staffing office issues staff/establishment only
    at.selectbox(key="doc_kind").set_value("establishment").run()
    at.text_input(key="doc_cc").input("县人民政府办公室")
    at.button(key="doc_issue").click().run()
    assert "县编办发〔2026〕" in texts(at)  # the confirmation names the number it will take
    assert any("同一事项已印发过同类公文" in m.value for m in at.markdown)  # the demo issued one already
    at.button(key="doc_issue_confirm").click().run()
    assert not at.exception
    assert "已印发" in texts(at)
    with read_session(app_db) as s:  # the newest: the demo's handover automation issued one before
        notice = s.exec(select(Notice).where(Notice.kind == "establishment").order_by(Notice.id.desc())).first()
    assert notice is not None and notice.issued_by is not None
    assert at.selectbox(key="reg_pick").value == notice.id  # 下载公文 downloads the notice just issued
    at.text_input(key="void_reason").input("抄送单位有误")
    at.button(key="void_submit").click().run()
    assert "将作废" in texts(at) and notice.doc_number in texts(at)
    with read_session(app_db) as s:
        assert s.get(Notice, notice.id).status != "voided"
    at.button(key="void_confirm").click().run()
    with read_session(app_db) as s:
        assert s.get(Notice, notice.id).status == "voided"


def test_office_imports_a_reviewed_draft(app_db):
    at = login("gaiban")
    goto(at, "import_plan")
    at.session_state["import_draft"] = {
        "plan": {"title": "县综合执法改革方案", "doc_number": None, "issuer": None, "date": "2026-11-01"},
        "tasks": [{"code": "1", "title": "组建综合执法大队", "lead_units": ["县执法局", "县综合执法大队"],
                   "deadline": "2026-12-31"},
                  {"code": "2", "title": "制定执法事项清单", "lead_units": ["县司法局"], "deadline": "2027-03-31",
                   "depends_on": [{"code": "1", "lag": "30 workdays"}]}],
        "warnings": ["第 3 行未识别时限"], "fingerprint": "f" * 64, "filename": "执法改革.docx"}
    at.run()
    assert "第 3 行未识别时限" in texts(at)
    assert at.button(key="import_publish").disabled  # "县综合执法大队" is not a unit yet (#14)
    assert "还有 1 个单位名称待确认" in texts(at)
    at.selectbox(key="import_unit_0_县综合执法大队").set_value("新建为新单位").run()
    assert not at.button(key="import_publish").disabled
    at.button(key="import_publish").click().run()
    assert not at.exception
    assert "已发布《县综合执法改革方案》" in texts(at)
    with read_session(app_db) as s:
        plan = s.exec(select(Plan).where(Plan.title == "县综合执法改革方案")).one()
        assert len(s.exec(select(Task).where(Task.plan_id == plan.id)).all()) == 2
        assert s.exec(select(Unit).where(Unit.name == "县综合执法大队")).one()


def test_sysadmin_must_change_password_first(app_db):
    at = login("sysadmin")
    assert "首次登录或口令已过期" in texts(at)
    at.text_input(key="pw_old").input("Qinghe#Reform2026")
    at.text_input(key="pw_new").input("Xinde!Kouling-2026")
    at.text_input(key="pw_again").input("Xinde!Kouling-2026")
    at.button(key="pw_submit").click().run()
    assert not at.exception
    goto(at, "admin")
    page = texts(at)
    assert "系统管理" in page and "单位简称对照" in page and "预警阈值" in page
    goto(at, "calendar")
    assert "导入全年放假安排" in texts(at)


def test_secadmin_unlocks_and_auditor_verifies_chain(app_db):
    at = login("anquan")
    goto(at, "admin")
    assert "用户" in texts(at) and "单位简称对照" not in texts(at)  # roles and unlocks only
    at = login("shenji")
    goto(at, "audit")
    assert "审计日志" in texts(at)
    at.button(key="audit_verify").click().run()
    assert "校验通过" in texts(at)


def test_progress_is_visible_to_office_on_overview(app_db):
    task = f.task(app_db, "六.2")
    tasks.report_progress(f.actor(app_db, "chengguan"), task_id=task.id, expected_version=task.version, percent=90,
                          note="监督员已全部到岗")
    at = login("gaiban")
    activity = next(df.value for df in at.dataframe if "填报人" in df.value.columns)
    assert "六.2" in set(activity["编号"]) and 90 in set(activity["进度%"])
    with read_session(app_db) as s:
        assert s.exec(select(ProgressReport).where(ProgressReport.task_id == task.id)).first()


def test_office_previews_a_notice_before_issuing(app_db):
    with read_session(app_db) as s:
        before = s.exec(select(Notice)).all()  # the demo's handover lists and 交接确认书
    at = login("gaiban")
    goto(at, "notices")
    at.selectbox(key="doc_kind").set_value("urging").run()
    at.text_area(key="doc_extra").input("请于3个工作日内书面报告整改情况。")
    at.button(key="doc_preview").click().run()
    assert not at.exception
    page = texts(at)
    assert "预览：" in page and "文号在正式印发时分配" in page
    with read_session(app_db) as s:
        assert s.exec(select(Notice)).all() == before  # a preview allocates no number


def _sysadmin_ready(app_db):
    from models.db import write_session
    from models.tables import User

    with write_session(app_db) as s:
        user = s.exec(select(User).where(User.username == "sysadmin")).one()
        user.must_change_password = False
        s.add(user)


def test_sysadmin_configures_aliases_thresholds_and_holidays(app_db):
    from models.services import admin
    from models.tables import HolidayOverride, UnitAlias

    _sysadmin_ready(app_db)
    at = login("sysadmin")
    goto(at, "admin")
    at.text_input(key="alias_name").input("城管执法局")
    at.selectbox(key="alias_unit").set_value("县综合行政执法局")
    at.button(key="alias_save").click().run()
    at.number_input(key="th_due").set_value(10)
    at.button(key="th_save").click().run()
    goto(at, "calendar")
    at.date_input(key="holiday_day").set_value(date(2027, 2, 7))
    at.radio(key="holiday_kind").set_value("调休上班")
    at.text_input(key="holiday_name").input("春节调休")
    at.button(key="holiday_save").click().run()
    assert not at.exception
    with read_session(app_db) as s:
        assert s.exec(select(UnitAlias).where(UnitAlias.alias == "城管执法局")).one()
        assert s.get(HolidayOverride, date(2027, 2, 7)).is_workday
    assert admin.thresholds(app_db)["due_soon_days"] == 10


def test_secadmin_unlocks_a_locked_account(app_db):
    for _ in range(5):
        login("renshe", "wrong-password")
    renshe = f.actor(app_db, "renshe")
    at = login("anquan")
    goto(at, "admin")
    at.selectbox(key="user_pick").set_value(renshe.user_id).run()
    at.button(key="user_unlock").click().run()
    assert "已解除 renshe 的锁定" in texts(at)
    after = login("renshe")
    assert "auth_token" in after.session_state and any(t.value == "任务" for t in after.title)


def test_department_sees_only_its_own_handovers(app_db):
    at = login("caizheng")  # finance countersigns asset handovers only
    goto(at, "handovers")
    titles = set(next(df.value for df in at.dataframe if "交接事项" in df.value.columns)["交接事项"])
    assert titles == {"县住建局城市管理相关国有资产移交县城市管理局"}


def test_reimport_shows_what_would_change(app_db):
    at = login("gaiban")
    goto(at, "import_plan")
    at.session_state["import_draft"] = {
        "plan": {"title": "清河县城市管理体制改革实施方案"},
        "tasks": [{"code": "一.1", "title": "成立城市管理体制改革工作领导小组", "lead_units": ["县政府办"]},
                  {"code": "九.1", "title": "新增任务", "lead_units": ["县城管局"]}],
        "warnings": [], "fingerprint": "e" * 64, "filename": "修订稿.docx"}
    at.run()
    assert "已发布过同名方案" in texts(at) and "新增 1 项" in texts(at)


def test_office_runs_a_scan_and_acknowledges_an_alert(app_db):
    from models.tables import Alert

    at = login("gaiban")
    goto(at, "alerts")
    at.button(key="scan_now").click().run()
    assert not at.exception
    assert "扫描完成" in texts(at)
    with read_session(app_db) as s:
        alerts = s.exec(select(Alert)).all()
    assert alerts
    assert at.button(key="ack_submit").disabled  # nothing is ticked at first
    at.session_state["ack_pick"] = {"edited_rows": {0: {"选择": True}}, "added_rows": [], "deleted_rows": []}
    at.run()
    at.button(key="ack_submit").click().run()
    assert "已签收 1 条预警" in texts(at)
    with read_session(app_db) as s:
        assert sum(a.acknowledged_at is not None for a in s.exec(select(Alert)).all()) == 1


def test_only_the_sender_or_office_edits_a_draft_list(app_db):
    from models.tables import AuditEvent

    archive = f.handover(app_db, "archive")
    at = login("chengguan")  # the receiver reads the list
    goto(at, "handovers")
    at.selectbox(key="ho_pick").set_value(archive.id).run()
    assert not [b for b in at.button if b.key == f"save_items_{archive.id}"]
    at = login("zhujian")  # the sender may correct it before confirming
    goto(at, "handovers")
    at.selectbox(key="ho_pick").set_value(archive.id).run()
    at.button(key=f"save_items_{archive.id}").click().run()
    assert "清单已保存" in texts(at)
    with read_session(app_db) as s:
        assert s.exec(select(AuditEvent).where(AuditEvent.action == "handover.set_items")).first()


def test_department_task_list_starts_with_its_own_tasks(app_db):
    at = login("chengguan")
    assert at.selectbox(key="flt_unit").value == "县城市管理局"
    codes = set(next(df.value for df in at.dataframe if "灯色" in df.value.columns)["编号"])
    assert "四.3" in codes and "一.1" not in codes


def test_import_review_settles_pending_names_in_bulk(app_db):
    at = login("gaiban")
    goto(at, "import_plan")
    at.session_state["import_draft"] = {
        "plan": {"title": "批量确认"}, "warnings": [], "fingerprint": "b" * 64, "filename": "批量.txt",
        "tasks": [{"code": "1", "title": "甲", "lead_units": ["县人力社保局", "县外星局"], "deadline": "2026-12-31"}]}
    at.run()
    assert at.button(key="import_publish").disabled
    at.button(key="import_units_accept").click().run()
    chosen = {s.key: s.value for s in at.selectbox if s.key and s.key.startswith("import_unit_")}
    assert chosen == {"import_unit_0_县人力社保局": "县人力资源和社会保障局", "import_unit_1_县外星局": "（请选择）"}
    assert at.button(key="import_publish").disabled  # a weak guess is never taken in bulk
    at.button(key="import_units_unassigned").click().run()
    chosen = {s.key: s.value for s in at.selectbox if s.key and s.key.startswith("import_unit_")}
    assert chosen == {"import_unit_0_县人力社保局": "县人力资源和社会保障局", "import_unit_1_县外星局": "暂不指定单位"}
    assert not at.button(key="import_publish").disabled


def test_import_review_marks_a_late_task_done_and_offers_the_ledger(app_db):
    at = login("gaiban")
    goto(at, "import_plan")
    at.session_state["import_draft"] = {
        "plan": {"title": "迟发方案", "date": "2026-06-20"}, "warnings": [], "fingerprint": "c" * 64,
        "filename": "迟发.txt",
        "tasks": [{"code": "1", "title": "人员摸底", "lead_units": ["县财政局"], "deadline": "2026-05-31",
                   "check": "时限早于印发日期（2026-05-31，方案印发于2026-06-20）", "source": "正文 1"},
                  {"code": "2", "title": "资产移交", "lead_units": ["县财政局"], "deadline": "2026-09-30"}]}
    at.run()
    assert "时限早于或紧邻印发日期" in texts(at)
    assert [d.proto.label for d in at.get("download_button")] == ["下载空白任务分工表模板"]
    with read_session(app_db) as s:
        assert s.exec(select(Plan).where(Plan.title == "迟发方案")).first() is None


def test_import_review_merges_tasks_before_publishing(app_db):
    at = login("gaiban")
    goto(at, "import_plan")
    at.session_state["import_draft"] = {
        "plan": {"title": "试点方案"}, "warnings": [], "fingerprint": "d" * 64, "filename": "试点.txt",
        "tasks": [{"code": "1", "title": "甲", "lead_units": ["县城管局"], "deadline": "2026-12-31"},
                  {"code": "2", "title": "乙", "lead_units": ["县财政局"], "deadline": "2027-01-31"}]}
    at.run()
    assert "任务清单（2 项）" in texts(at)
    at.multiselect(key="import_merge").set_value(["1", "2"]).run()
    at.button(key="import_merge_btn").click().run()
    assert "任务清单（1 项）" in texts(at)
    with read_session(app_db) as s:
        assert s.exec(select(Plan).where(Plan.title == "试点方案")).first() is None  # nothing stored yet


def test_sysadmin_adds_and_disables_a_notification_channel(app_db):
    from models.services import admin

    _sysadmin_ready(app_db)
    at = login("sysadmin")
    goto(at, "admin")
    at.selectbox(key="channel_unit").set_value("县城市管理局")
    at.text_input(key="channel_url").input("mailto://cgj@example.gov.cn")
    at.text_input(key="channel_label").input("办公室邮箱")
    at.button(key="channel_add").click().run()
    assert "已添加通知渠道" in texts(at)
    at.button(key="channel_toggle").click().run()
    assert [c["enabled"] for c in admin.channels(app_db)] == [False]


def test_office_imports_a_years_holiday_arrangement(app_db):
    from models.tables import HolidayOverride, OfficialYear

    at = login("gaiban")
    goto(at, "calendar")
    at.number_input(key="arrangement_year").set_value(2027)
    at.text_area(key="arrangement_text").input("一、元旦：1月1日（周五）至3日（周日）放假，共3天。\n"
                                               "二、春节：2月5日（周五）至11日（周四）放假调休，共7天。2月13日（周六）上班。")
    at.button(key="arrangement_import").click().run()
    assert not at.exception and not at.error
    with read_session(app_db) as s:
        assert s.get(OfficialYear, 2027) is not None
        assert s.get(HolidayOverride, date(2027, 2, 13)).is_workday
        assert not s.get(HolidayOverride, date(2027, 2, 8)).is_workday


def test_office_edits_agency_settings_on_the_system_page(app_db):
    at = login("gaiban")
    goto(at, "admin")
    assert not at.exception and "发文机关设置" in texts(at)
    assert "用户" not in [s.value for s in at.subheader]  # the office sees its settings, not the accounts
    at.text_input(key="ag_office_signature").input("××县改革办").run()
    at.button(key="ag_save").click().run()
    assert any("占位符" in e.value for e in at.error)
    at.text_input(key="ag_office_signature").input("清河县城市管理体制改革工作领导小组办公室（改）").run()
    at.button(key="ag_save").click().run()
    assert not at.exception and "已保存发文机关设置" in texts(at)
    from models.services import agencies
    assert agencies.settings(app_db)["agencies"]["office"]["signature"].endswith("（改）")


def test_second_urging_letter_needs_confirmation_and_pdf_downloads(app_db):
    at = login("gaiban")
    goto(at, "notices")
    at.selectbox(key="doc_kind").set_value("urging").run()
    at.button(key="doc_issue").click().run()
    at.button(key="doc_issue_confirm").click().run()
    assert "已印发" in texts(at)
    with read_session(app_db) as s:
        first = s.exec(select(Notice).where(Notice.kind == "urging")).one()
    at.button(key="doc_preview").click().run()
    assert any("该事项已印发催办函" in w.value for w in at.warning)
    at.button(key="doc_issue").click().run()  # again: the dialog names the notice already issued
    assert any(first.doc_number in w.value for w in at.warning)
    with read_session(app_db) as s:
        assert len(s.exec(select(Notice).where(Notice.kind == "urging")).all()) == 1
    at.button(key="doc_issue_confirm").click().run()
    with read_session(app_db) as s:
        assert len(s.exec(select(Notice).where(Notice.kind == "urging")).all()) == 2
    at.button(key="reg_pdf").click().run()
    labels = [b.proto.label for b in at.get("download_button")]
    assert not at.exception and "下载公文（PDF）" in labels
