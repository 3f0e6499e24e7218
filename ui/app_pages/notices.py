"""公文: choose a kind and its subject, edit 主送/抄送/补充内容, preview, issue with a 文号, download, and the
文号 register with voiding."""
from __future__ import annotations

from typing import Any

import streamlit as st

from models.documents import KINDS
from models.services import notices
from models.services.notices import Subject
from ui.components import tables
from ui.components.actions import act, call, flash, show_flash, today
from ui.components.deeplink import linked_id
from ui.components.fmt import md, when
from ui.components.preview import page_images, pdf_of
from ui.components.reads import current_plan, read
from ui.components.session import guard

STAFFING_KINDS = ("staff-transfer", "establishment", "staff-roster")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

login = guard("notice.issue")
actor = login.actor
st.title("公文")
show_flash()


def split(text: str) -> list[str] | None:
    names = [n.strip() for n in text.replace("，", "、").replace(",", "、").split("、") if n.strip()]
    return names or None


def subject_picker(kind: str) -> Subject | None:
    need = KINDS[kind].subject
    if need == "plan":
        plan = current_plan("doc_plan")
        return Subject(plan_id=plan["id"]) if plan else None
    if need == "handover":
        hos = {h["id"]: h["title"] for h in read("handovers")}
        if not hos:
            st.info("还没有交接事项。")
            return None
        return Subject(handover_id=st.selectbox("交接事项", list(hos), format_func=hos.__getitem__, key="doc_handover"))
    plan = current_plan("doc_plan")
    if plan is None:
        return None
    red_first = read("red_tasks", plan_id=plan["id"]) + read("task_choices", plan_id=plan["id"])
    choices = {r["id"]: f"{r['code']} {r['title']}" for r in red_first}
    return Subject(task_id=st.selectbox("任务（红灯任务在前）", list(choices), format_func=choices.__getitem__,
                                        key="doc_task"))


kinds = [k for k in KINDS if KINDS[k].subject != "period" and (actor.role != "staffing" or k in STAFFING_KINDS)]
st.subheader("拟文")
kind = st.selectbox("公文种类", kinds, format_func=lambda k: KINDS[k].label, key="doc_kind")
subject = subject_picker(kind)
c1, c2 = st.columns(2)
recipients = c1.text_input("主送（用“、”分隔，留空用模板默认）", key="doc_recipients")
cc = c2.text_input("抄送（用“、”分隔，留空用模板默认）", key="doc_cc")
extra = st.text_area("补充内容（附在正文之后）", key="doc_extra")
overrides: dict[str, Any] = {k: v for k, v in {"recipients": split(recipients), "cc": split(cc),
                                                 "extra_body": extra.strip() or None}.items() if v}
confirm = st.checkbox("已核对提示（同一事项已有同类公文、标题过长等），仍要印发", key="doc_confirm")
preview_col, issue_col = st.columns(2)
if subject is not None and preview_col.button("预览", key="doc_preview", icon=":material/visibility:"):
    got = call(notices.inspect, actor, kind, subject, overrides=overrides, today=today())
    if got is not None:
        st.session_state["doc_preview_data"] = got
if subject is not None and issue_col.button("正式印发（分配文号）", key="doc_issue", type="primary"):
    issued = call(notices.issue, actor, kind, subject, overrides=overrides, today=today(), confirm=confirm)
    if issued is not None:
        st.session_state.pop("doc_preview_data", None)
        flash(f"已印发：{issued.doc_number}《{issued.title}》")
        st.rerun()

if "doc_preview_data" in st.session_state:
    found = st.session_state["doc_preview_data"]
    title, docx = found.title, found.docx
    if found.placeholders:
        st.error(f"公文中仍有占位符：{'、'.join(found.placeholders)}，补全前不能印发。")
    for message in [*found.warnings, *([found.existing] if found.existing else [])]:
        st.warning(message)
    for message in found.notes:
        st.info(message)
    st.markdown(f"**预览：** {md(title)}（文号在正式印发时分配）")
    st.download_button("下载预览稿（.docx）", data=docx, file_name=f"预览稿_{title[:40]}.docx", mime=DOCX,
                       key="doc_preview_docx", on_click="ignore")
    with st.spinner("正在生成版式预览……"):
        pdf = pdf_of(docx)
    if pdf is None:
        st.caption("本机未安装 LibreOffice，无法生成版式预览，请下载 .docx 查看。")
    else:
        st.download_button("下载预览稿（PDF）", data=pdf, file_name=f"预览稿_{title[:40]}.pdf", mime="application/pdf",
                           key="doc_preview_pdf", on_click="ignore")
        images = page_images(pdf)
        if images:
            st.image(images, width=520, caption=[f"第 {i} 页" for i in range(1, len(images) + 1)])

st.subheader("发文登记（文号登记簿）")
year = st.number_input("年度", min_value=2000, max_value=2100, value=today().year, step=1, key="reg_year")
register = read("notice_register", year=int(year))
tables.show(tables.frame([{**n, "kind": KINDS[n["kind"]].label if n["kind"] in KINDS else n["kind"],
                           "status": "已作废" if n["status"] == "voided" else "有效", "issued_at": when(n["issued_at"])}
                          for n in register],
                         {"doc_number": "文号", "title": "标题", "kind": "种类", "recipients": "主送",
                          "issued_by": "印发人", "issued_at": "印发时间", "status": "状态", "void_reason": "作废原因"}),
            key="register", file_name=f"{int(year)}年发文登记")
if register:
    by_id = {n["id"]: n for n in register}
    linked = linked_id("notice", by_id)  # /notices?notice=<id>
    chosen = st.selectbox("选择公文", list(by_id), key="reg_pick", index=list(by_id).index(linked) if linked else 0,
                          format_func=lambda i: f"{by_id[i]['doc_number']} {by_id[i]['title']}")
    got = call(notices.download, actor, chosen)
    d1, d2 = st.columns(2)
    if got is not None:
        d1.download_button("下载公文（.docx）", data=got[1], file_name=got[0], mime=DOCX, key="reg_download",
                           icon=":material/download:", on_click="ignore")
    pdf_key = f"reg_pdf_{chosen}"
    if pdf_key not in st.session_state and d2.button("生成 PDF（与打印版页面一致）", key="reg_pdf"):
        made = call(notices.download_pdf, actor, chosen)
        if made is not None:
            st.session_state[pdf_key] = made
    if pdf_key in st.session_state:
        d2.download_button("下载公文（PDF）", data=st.session_state[pdf_key][1], file_name=st.session_state[pdf_key][0],
                           mime="application/pdf", key="reg_download_pdf", icon=":material/picture_as_pdf:",
                           on_click="ignore")
    if by_id[chosen]["status"] != "voided":
        reason = st.text_input("作废原因", key="void_reason")
        if st.button("作废此文号（文号不再使用）", key="void_submit"):
            act(f"已作废：{by_id[chosen]['doc_number']}", notices.void, actor, chosen, reason=reason)
