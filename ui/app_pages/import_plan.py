"""导入: upload a plan (docx/txt/xlsx), review the parsed tasks (fix units and dates, merge or split),
settle every unit name, see the warnings, then publish. Nothing is stored before 发布.  The 台账
(任务分工表) of a published plan and a blank template are downloaded here too."""
from __future__ import annotations

import streamlit as st

from flows import client
from models.services import ledger, plans, uploads
from models.services.reads import admin as admin_reads
from models.services.reads import common
from ui import plan_review as drafts
from ui.components import draft_store, jobs, reporting_view
from ui.components.actions import call, flash, show_flash, today
from ui.components.fmt import md
from ui.components.reads import current_plan, read
from ui.components.session import guard

DRAFT = draft_store.DRAFT

login = guard("plan.import")
st.title("导入方案")
show_flash()
st.caption("支持 Word（.docx）、文本（.txt）和 Excel（.xlsx）格式。系统自动识别任务、责任单位、时限和前后依赖；"
           "请核对后再发布，发布前不会保存任何数据。")

with st.expander("任务分工表（台账）：下载模板或导出已发布方案", icon=":material/table_view:"):
    st.download_button("下载空白任务分工表模板", ledger.blank_template(), file_name="任务分工表模板.xlsx",
                       key="ledger_template", icon=":material/download:")
    published = current_plan("ledger_plan") if read(common.plans) else None
    if published and st.button("生成台账", key="ledger_build"):
        st.session_state["ledger_bytes"] = (published["id"], call(ledger.export_plan, login.actor, published["id"]))
    built = st.session_state.get("ledger_bytes")
    if published and built and built[0] == published["id"] and built[1]:
        st.download_button(f"下载《{published['title']}》任务分工台账", built[1], file_name=f"{published['title']}台账.xlsx",
                           key="ledger_download", icon=":material/download:")

upload = st.file_uploader("选择方案文件", type=["docx", "txt", "xlsx"], key="import_file")
if upload is not None and st.session_state.get("import_source") != (upload.name, upload.size):
    with st.spinner("正在识别方案内容……"):
        parsed = call(uploads.parse_plan_upload, login.actor, upload.getvalue(), upload.name)
    if parsed is not None:
        st.session_state[DRAFT] = {**parsed.to_dict(), "fingerprint": parsed.fingerprint, "filename": upload.name}
        st.session_state["import_source"] = (upload.name, upload.size)

draft = draft_store.restore(login.actor)
if not draft:
    st.stop()

st.subheader("方案信息")
meta = dict(draft["plan"])
c1, c2 = st.columns(2)
meta["title"] = c1.text_input("方案标题", value=meta.get("title") or "", key="import_title")
meta["doc_number"] = c2.text_input("发文字号", value=meta.get("doc_number") or "", key="import_doc_number") or None
meta["issuer"] = c1.text_input("发文机关", value=meta.get("issuer") or "", key="import_issuer") or None
meta["date"] = c2.text_input("印发日期（YYYY-MM-DD）", value=meta.get("date") or "", key="import_date") or None

warnings = list(draft.get("warnings") or [])
if warnings:
    st.warning(f"请核对以下 {len(warnings)} 处：\n" + "\n".join(f"- {md(w)}" for w in warnings))

st.subheader(f"任务清单（{len(draft['tasks'])} 项）")
st.caption("可直接修改单元格；“前置任务”填写“编号 完成后间隔”，如“二.2 完成后2个月；二.1 完成后30个工作日”，紧接开始的只写"
           "“二.2 完成后”；可在表格末尾增加行，选中行后删除。")
revision = st.session_state.get("import_rev", 0)
checks = [t for t in draft["tasks"] if t.get("check")]
if checks:
    st.caption(f"有 {len(checks)} 项任务的时限早于或紧邻印发日期（见“时限核对”列）：如已完成，请勾选“已完成”并填写完成说明。")
edited = st.data_editor(drafts.to_frame(draft), num_rows="dynamic", hide_index=True, key=f"import_editor_{revision}",
                        height=420, disabled=list(drafts.READ_ONLY),
                        column_config={name: st.column_config.CheckboxColumn() for name in drafts.CHECKBOXES})
current = reporting_view.review_proposals({**drafts.from_frame(edited, draft), "plan": meta})
meta = current["plan"]
draft_store.keep(login.actor, current)  # a reload comes back to the draft as edited so far

proposals = call(plans.review_units, current) or []
decisions: dict[str, dict[str, str]] = {}
pending: list[str] = []
if proposals:
    st.subheader(f"单位对应（{len(proposals)} 个名称未能对应到系统中的单位）")
    st.caption("发布前请为每个名称选择：对应到已有单位（该写法将保存为简称）、新建为新单位，或暂不指定单位。")
    units = sorted(read(common.unit_names).values())
    keys = [f"import_unit_{index}_{proposal.name}" for index, proposal in enumerate(proposals)]

    def _settle_pending(choose: dict[str, str]) -> None:
        for key, choice in choose.items():
            if st.session_state.get(key, drafts.PENDING) == drafts.PENDING:
                st.session_state[key] = choice

    b1, b2 = st.columns(2)
    b1.button(f"采用匹配度 {drafts.ACCEPT_CONFIDENCE:.0%} 以上的建议", key="import_units_accept", on_click=_settle_pending,
              args=({k: p.unit for k, p in zip(keys, proposals, strict=True)
                     if p.unit and p.confidence >= drafts.ACCEPT_CONFIDENCE},), icon=":material/done_all:")
    b2.button("其余名称暂不指定单位", key="import_units_unassigned", on_click=_settle_pending,
              args=(dict.fromkeys(keys, drafts.UNASSIGNED),))
    for index, proposal in enumerate(proposals):
        c1, c2 = st.columns([3, 2])
        hint = (f"建议：{proposal.unit}（匹配度 {proposal.confidence:.0%}）" if proposal.unit else "无相近单位")
        choice = c1.selectbox(f"“{proposal.name}”（任务 {'、'.join(proposal.tasks[:6])}）",
                              drafts.unit_choices(proposal.unit, units), key=keys[index])
        c2.caption(hint)
        decision = drafts.unit_decision(choice)
        if decision is None:
            pending.append(proposal.name)
        else:
            decisions[proposal.name] = decision
    if pending:
        st.warning(f"还有 {len(pending)} 个单位名称待确认：{md('、'.join(pending))}。确认前不能发布。")
current["unit_decisions"] = decisions

codes = [t["code"] for t in current["tasks"]]
m1, m2 = st.columns(2)
with m1:
    to_merge = st.multiselect("合并任务（并入第一个所选任务）", codes, key="import_merge", placeholder="选择要合并的任务")
    if st.button("合并", key="import_merge_btn", disabled=len(to_merge) < 2):
        st.session_state[DRAFT] = drafts.merge(current, to_merge)
        st.session_state["import_rev"] = revision + 1
        st.rerun()
with m2:
    to_split = st.selectbox("拆分任务", codes, key="import_split") if codes else None
    if st.button("拆分", key="import_split_btn", disabled=to_split is None):
        st.session_state[DRAFT] = drafts.split(current, str(to_split))
        st.session_state["import_rev"] = revision + 1
        st.rerun()

changes = admin_reads.changes_against_published(current)
if changes and "error" not in changes:
    st.info(f"已发布过同名方案。与已发布版本相比：新增 {len(changes['added'])} 项、删除 {len(changes['removed'])} 项、"
            f"变更 {len(changes['changed'])} 项任务。发布后将作为新方案保存。")
    with st.expander("查看差异"):
        for label, key in (("新增", "added"), ("删除", "removed"), ("变更", "changed")):
            if changes[key]:
                st.markdown(f"**{label}：** " + md("；".join(changes[key])))

p1, p2 = st.columns(2)
publish = p1.button("发布方案", key="import_publish", type="primary", icon=":material/publish:", disabled=bool(pending))
if publish:
    # one path: in-process without a Prefect server, the plan-import flow with one (it goes on if this page
    # is reloaded); either way the schedule is computed in the same transaction as the plan
    with st.spinner("正在发布……"):
        outcome = call(client.run, "plan-import", {"draft": {"plan": meta, "tasks": current["tasks"],
                                                             "unit_decisions": decisions},
                                                   "fingerprint": draft.get("fingerprint"),
                                                   "source_filename": draft.get("filename"), "update": True,
                                                   "today": today().isoformat()},
                       actor=login.actor, wait=False)
    if outcome is not None:
        draft_store.drop(login.actor)
        result = outcome.result
        if not outcome.done:
            flash("已提交发布，可在下方“后台任务”查看进度。")
        elif result["status"] == "created":
            warnings = result.get("warnings") or []
            flash(f"已发布《{result['title']}》，共 {result['tasks']} 项任务。" + (
                f"另有 {len(warnings)} 条提示：" + "；".join(warnings[:5]) if warnings else ""))
        else:
            flash(f"该文件已发布过（《{result['title']}》），未重复导入。")
        st.rerun()
if p2.button("放弃本次导入", key="import_discard"):
    draft_store.drop(login.actor)
    st.rerun()

jobs.panel(["plan-import"], key="import_jobs")
