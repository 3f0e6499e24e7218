"""办结审核: each task a department reported done, with what the office needs to decide — the
department's notes, its evidence (images shown, PDFs previewed, every file downloadable), the task's
handovers (a returned one flagged) and the tasks waiting on it — then 办结 (confirmed) or 退回 with a reason."""
from __future__ import annotations

from typing import Any

import streamlit as st

from models.services import tasks
from models.services.reads import common
from models.services.reads.handovers import handover_list, handover_returns
from models.services.reads.tasks import evidence_of, neighbours, task_history, tasks_with_status
from ui.components import tables
from ui.components.actions import call, show_flash
from ui.components.fmt import md, when
from ui.components.handover_view import status_label
from ui.components.labels import ACTION_LABELS, HANDOVER_KINDS, STATUS_LABELS, lag
from ui.components.preview import page_images
from ui.components.reads import current_plan, read
from ui.components.review import review_form
from ui.components.session import guard

IMAGES = {"png", "jpg"}
MIME = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg", "txt": "text/plain",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}

login = guard("task.review")
st.title("办结审核")
show_flash()
plan = current_plan("review_plan", allow_all=True)
if plan is None:
    st.stop()
plans = [p["id"] for p in read(common.plans)] if plan["id"] is None else [plan["id"]]
pending = [t for pid in plans for t in read(tasks_with_status, plan_id=pid, status="pending_review")]
st.caption(f"共 {len(pending)} 项任务已上报完成、等待审核。请核对完成说明和佐证材料后办结，或填写原因退回责任单位重办。")
if not pending:
    st.info("没有待审核的任务。")
    st.stop()


def notes(task: dict[str, Any]) -> None:
    history = read(task_history, task_id=task["id"])
    reports = [h for h in history if h["kind"] == "report_done"]
    latest = reports[-1] if reports else None
    if latest is not None:
        st.markdown(f"**完成说明**（{md(latest['unit'] or '')} {md(latest['user'] or '')}，{when(latest['created_at'])}）：")
        st.markdown(f"> {md(latest['note'])}" if latest["note"] else "> （未填写说明）")
    earlier = [h for h in history if h is not latest]
    if earlier:
        with st.expander(f"此前的进展报告（{len(earlier)}）"):
            tables.show(tables.frame([{**h, "created_at": when(h["created_at"]),
                                       "kind": ACTION_LABELS.get(h["kind"], h["kind"])} for h in earlier],
                                     {"created_at": "时间", "unit": "单位", "user": "填报人", "kind": "事项",
                                      "percent": "进度%", "note": "说明"}),
                        key=f"rv_history_{task['id']}", file_name=f"{task['code']}_进展记录")


def evidence(task: dict[str, Any]) -> None:
    files = read(evidence_of, task_id=task["id"])
    if not files:
        st.warning("没有上传佐证材料。")
        return
    st.markdown(f"**佐证材料（{len(files)} 份）**")
    for ev in files:
        got = call(tasks.evidence_for_download, login.actor, ev["id"])
        if got is None:
            continue
        name, data = got
        label = f"{ev['original_name']}（{ev['size'] // 1024 + 1} KB，{when(ev['created_at'])}）"
        if ev["kind"] in IMAGES:
            st.image(data, caption=ev["original_name"], width=420)
        elif ev["kind"] == "pdf":
            pages = page_images(data, max_pages=1)
            if pages:
                st.image(pages[0], caption=f"{ev['original_name']}（第 1 页）", width=420)
        st.download_button(f"下载 {label}", data=data, file_name=name, mime=MIME.get(ev["kind"]),
                           key=f"rv_ev_{ev['id']}", icon=":material/attach_file:", on_click="ignore")


def handovers(task: dict[str, Any], returns: dict[int, dict[str, Any]]) -> None:
    mine = [h for h in read(handover_list) if h["task_id"] == task["id"]]
    if not mine:
        return
    st.markdown("**本任务的交接事项**")
    for h in mine:
        text = f"{HANDOVER_KINDS.get(h['kind'], h['kind'])}：{md(h['title'])} — {md(status_label(h, returns))}"
        if h["id"] in returns:
            st.error(f"交接已被退回，尚未重新确认：{text}")
        elif h["status"] != "completed":
            st.warning(f"交接尚未完成（已确认 {h['confirmed'] or '0'} 方）：{text}")
        else:
            st.markdown(f"- {text}")


def dependants(task: dict[str, Any]) -> None:
    after = read(neighbours, task_id=task["id"])["down"]
    if after:
        st.markdown(f"**等待本任务的后续任务（{len(after)} 项）：** " + "；".join(
            f"{md(n['code'])} {md(n['title'][:20])}（{lag(n['lag_value'], n['lag_unit'])}，"
            f"{STATUS_LABELS.get(n['status'], n['status'])}）" for n in after[:10]))


returns = read(handover_returns)
for task in pending:
    with st.container(border=True, key=f"rv_card_{task['id']}"):
        st.subheader(f"{task['code']} {task['title']}", anchor=False)
        st.caption(f"牵头/负责：{task['lead']} · 截止 {task['deadline'] or '—'} · 上报时间 {when(task['updated_at'])}")
        notes(task)
        evidence(task)
        handovers(task, returns)
        dependants(task)
        review_form(login, task, key=f"review_{task['id']}")
