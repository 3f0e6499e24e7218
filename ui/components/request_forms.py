"""Filing a 延期/调整 request (a unit) and deciding one (the office)."""
from __future__ import annotations

from typing import Any

import streamlit as st

from models.services import requests, tasks
from models.services.accounts import LoginResult
from models.services.reads.tasks import task_detail
from ui.components.actions import act, today
from ui.components.fmt import day, md
from ui.components.reads import read, unit_id_by_name

ROLE_FIELDS = (("lead", "牵头单位"), ("responsible", "负责单位"), ("supporting", "配合单位"))


def file_form(login: LoginResult, my_tasks: list[dict[str, Any]]) -> None:
    """A unit asks for a later deadline (with evidence) or a new assignment of units, on a task it is on."""
    open_tasks = {t["id"]: t for t in my_tasks if t["status"] in ("not_started", "in_progress")}
    if not open_tasks:
        st.info("本单位没有可以申请延期或调整的任务。")
        return
    task_id = st.selectbox("任务", list(open_tasks), key="req_task",
                           format_func=lambda i: f"{open_tasks[i]['code']} {open_tasks[i]['title']}")
    task = open_tasks[task_id]
    kind = st.radio("申请类型", list(requests.KINDS), format_func=requests.KINDS.__getitem__, horizontal=True,
                    key="req_kind")
    st.caption(f"现时限：{day(task['deadline']) or md(task['deadline_text']) or '未规定'}")
    reason = st.text_area("申请理由", key="req_reason", placeholder="说明原因、已做的工作和下一步安排")
    if kind == "extend":
        new = st.date_input("申请延期至", value=None, key="req_date", format="YYYY-MM-DD")
        upload = st.file_uploader("佐证材料（可选）", type=sorted(tasks.EVIDENCE_KINDS), key="req_file")
        if st.button("提交延期申请", key="req_submit_extend", type="primary"):
            evidence = tasks.Upload(upload.name, upload.getvalue()) if upload else None
            act(f"已提交任务 {task['code']} 的延期申请，等待改革办审批。", requests.file_extension, login.actor,
                task_id=task_id, expected_version=task["version"], new_deadline=new, reason=reason,
                evidence=evidence, clear=("req_reason",))
        return
    names = unit_id_by_name()
    detail = read(task_detail, task_id=task_id)
    current = detail["units"] if detail else {"lead": [], "responsible": [], "supporting": []}
    chosen = {role: st.multiselect(label, list(names), default=[n for n in current[role] if n in names],
                                   key=f"req_{role}") for role, label in ROLE_FIELDS}
    if st.button("提交调整申请", key="req_submit_adjust", type="primary"):
        ids = {role: [names[n] for n in chosen[role]] for role, _ in ROLE_FIELDS}
        act(f"已提交任务 {task['code']} 的调整申请，等待改革办审批。", requests.file_adjustment, login.actor,
            task_id=task_id, expected_version=task["version"], reason=reason, lead=ids["lead"],
            responsible=ids["responsible"], supporting=ids["supporting"], clear=("req_reason",))


def decide_form(login: LoginResult, pending: list[dict[str, Any]]) -> None:
    """The office approves (the task changes at once) or refuses with a reason."""
    if not pending:
        st.info("没有待审批的申请。")
        return
    by_id = {r["id"]: r for r in pending}
    rid = st.selectbox("待审批申请", list(by_id), key="req_pick",
                       format_func=lambda i: f"#{i} {by_id[i]['kind_label']} {by_id[i]['task_code']} {by_id[i]['unit']}")
    req = by_id[rid]
    st.markdown(f"**{md(req['unit'])}** 申请{req['kind_label']}任务 **{md(req['task_code'])} {md(req['task_title'])}**："
                f"{md(req['change'])}  \n理由：{md(req['reason'])}")
    reason = st.text_input("审批意见（驳回时必填）", key="req_decision")
    yes, no = st.columns(2)
    if yes.button("批准", key="req_approve", type="primary"):
        act(f"已批准申请 #{rid}，任务 {req['task_code']} 已更新。", requests.decide, login.actor, request_id=rid,
            expected_version=req["version"], approve=True, reason=reason, today=today(), clear=("req_decision",))
    if no.button("驳回", key="req_refuse"):
        act(f"已驳回申请 #{rid}。", requests.decide, login.actor, request_id=rid, expected_version=req["version"],
            approve=False, reason=reason, today=today(), clear=("req_decision",))
