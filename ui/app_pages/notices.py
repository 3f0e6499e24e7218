"""公文: choose a kind and its subject, edit 主送/抄送/补充内容, preview, issue with a 文号, download, and the
文号 register with voiding."""
from __future__ import annotations

from typing import Any

import streamlit as st

from models.documents import KINDS
from models.documents.handover import LIST_KIND
from models.services import notices
from models.services.notices import Subject
from models.services.reads.handovers import handover_list
from models.services.reads.notices import notice_register
from models.services.reads.tasks import red_tasks, task_choices
from models.vocabulary import STAFFING_NOTICE_KINDS, Role
from ui.components import tables
from ui.components.actions import act, answered, ask, asked, call, dismiss, flash, show_flash, today
from ui.components.deeplink import linked_id
from ui.components.fmt import md, when
from ui.components.labels import HANDOVER_KINDS
from ui.components.preview import page_images, pdf_of
from ui.components.reads import current_plan, read
from ui.components.session import guard

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
        wanted = LIST_KIND.get(kind)  # 人员划转通知 → staff handovers only; 交接确认书 takes any kind
        hos = {h["id"]: f"{HANDOVER_KINDS.get(h['kind'], h['kind'])}：{h['title']}" for h in read(handover_list)
               if wanted is None or h["kind"] == wanted}
        if not hos:
            st.info(f"还没有{HANDOVER_KINDS.get(wanted, '') if wanted else ''}交接事项。")
            return None
        return Subject(handover_id=st.selectbox("交接事项", list(hos), format_func=hos.__getitem__, key="doc_handover"))
    plan = current_plan("doc_plan")
    if plan is None:
        return None
    red_first = read(red_tasks, plan_id=plan["id"]) + read(task_choices, plan_id=plan["id"])
    choices = {r["id"]: f"{r['code']} {r['title']}" for r in red_first}
    return Subject(task_id=st.selectbox("任务（红灯任务在前）", list(choices), format_func=choices.__getitem__,
                                        key="doc_task"))


def issued(notice: Any) -> None:
    """After issuing: the register shows the notice's year with the notice selected, so 下载公文 is it."""
    st.session_state.pop("doc_preview_data", None)
    st.session_state["reg_year"] = notice.year
    st.session_state["reg_pick"] = notice.id
    flash(f"已印发：{notice.doc_number}《{notice.title}》，可在下方“发文登记”下载。")
    st.rerun()


@st.dialog("确认正式印发", width="large", on_dismiss=dismiss("issue"))
def confirm_issue(kind: str, subject: Subject, overrides: dict[str, Any]) -> None:
    """Says which series the number comes from and, for a second notice on the same subject, names the
    one already issued (the service's NeedsConfirmation); only then issues."""
    found = call(notices.inspect, actor, kind, subject, overrides=overrides, today=today())
    if found is None:
        return
    number = notices.next_numbers(kind, year=today().year)[0]
    st.markdown(f"将正式印发（{KINDS[kind].label}）《{md(found.title)}》，分配文号 **{md(number)}**"
                f"（“{md(number.rsplit('〔', 1)[0])}”系列的下一个号）。文号一经分配不能收回，只能作废。")
    if found.placeholders:
        st.error(f"公文中仍有占位符：{'、'.join(found.placeholders)}，补全前不能印发。")
        return
    questions = [*found.warnings, *([found.existing] if found.existing else [])]
    for message in questions:
        st.warning(md(message))
    if found.existing:
        st.markdown("**同一事项已印发过同类公文。确认后将另行编号，再印发一份新的公文。**")
    ok, cancel = st.columns(2)
    label = "仍要印发新的一份" if found.existing else "确认印发"
    if ok.button(label, key="doc_issue_confirm", type="primary"):
        notice = call(notices.issue, actor, kind, subject, overrides=overrides, today=today(),
                      confirm=bool(questions))
        if notice is not None:
            answered("issue")
            issued(notice)
    if cancel.button("取消", key="doc_issue_cancel"):
        answered("issue")
        st.rerun()


@st.dialog("确认作废", on_dismiss=dismiss("void"))
def confirm_void(notice: dict[str, Any], reason: str) -> None:
    st.markdown(f"将作废 **{md(notice['doc_number'])}**《{md(notice['title'])}》，原因：{md(reason)}。"
                "作废后该文号不再使用、不再分配给其他公文，登记簿中保留作废记录。")
    ok, cancel = st.columns(2)
    if ok.button("确认作废", key="void_confirm", type="primary"):
        act(f"已作废：{notice['doc_number']}", notices.void, actor, notice["id"], reason=reason,
            then=lambda: answered("void"))
    if cancel.button("取消", key="void_cancel"):
        answered("void")
        st.rerun()


kinds = [k for k in KINDS if KINDS[k].subject != "period" and (actor.role != Role.STAFFING or k in STAFFING_NOTICE_KINDS)]
st.subheader("拟文")
kind = st.selectbox("公文种类", kinds, format_func=lambda k: KINDS[k].label, key="doc_kind")
subject = subject_picker(kind)
c1, c2 = st.columns(2)
recipients = c1.text_input("主送（用“、”分隔，留空用模板默认）", key="doc_recipients")
cc = c2.text_input("抄送（用“、”分隔，留空用模板默认）", key="doc_cc")
extra = st.text_area("补充内容（附在正文之后）", key="doc_extra")
overrides: dict[str, Any] = {k: v for k, v in {"recipients": split(recipients), "cc": split(cc),
                                                 "extra_body": extra.strip() or None}.items() if v}
preview_col, issue_col = st.columns(2)
if subject is not None and preview_col.button("预览", key="doc_preview", icon=":material/visibility:"):
    got = call(notices.inspect, actor, kind, subject, overrides=overrides, today=today())
    if got is not None:
        st.session_state["doc_preview_data"] = got
if subject is not None and issue_col.button("正式印发（分配文号）…", key="doc_issue", type="primary"):
    ask("issue", (kind, subject))
if subject is not None and asked("issue") == (kind, subject):
    confirm_issue(kind, subject, overrides)

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
st.session_state.setdefault("reg_year", today().year)  # set by issued() to the new notice's year
year = st.number_input("年度", min_value=2000, max_value=2100, step=1, key="reg_year")
register = read(notice_register, year=int(year))
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
    downloaded = call(notices.download, actor, chosen)
    d1, d2 = st.columns(2)
    if downloaded is not None:
        d1.download_button("下载公文（.docx）", data=downloaded[1], file_name=downloaded[0], mime=DOCX, key="reg_download",
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
        if st.button("作废此文号（文号不再使用）…", key="void_submit"):
            if not reason.strip():
                st.error("作废须填写原因。")
            else:
                ask("void", chosen)
        if asked("void") == chosen:
            confirm_void(by_id[chosen], reason)
