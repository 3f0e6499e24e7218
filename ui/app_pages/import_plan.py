"""导入: upload a plan (docx/txt/xlsx), review the parsed tasks (fix units and dates, merge or split),
see the warnings, then publish. Nothing is stored before 发布."""
from __future__ import annotations

import streamlit as st

from models.services import dashboard, plans, scheduling, uploads
from ui.components import draft as drafts
from ui.components import jobs
from ui.components.actions import call, flash, show_flash, today
from ui.components.fmt import md
from ui.components.reads import read
from ui.components.session import guard

DRAFT = "import_draft"

login = guard("plan.import")
st.title("导入方案")
show_flash()
st.caption("支持 Word（.docx）、文本（.txt）和 Excel（.xlsx）格式。系统自动识别任务、责任单位、时限和前后依赖；"
           "请核对后再发布，发布前不会保存任何数据。")

upload = st.file_uploader("选择方案文件", type=["docx", "txt", "xlsx"], key="import_file")
if upload is not None and st.session_state.get("import_source") != (upload.name, upload.size):
    with st.spinner("正在识别方案内容……"):
        parsed = call(uploads.parse_plan_upload, login.actor, upload.getvalue(), upload.name)
    if parsed is not None:
        st.session_state[DRAFT] = {**parsed.to_dict(), "fingerprint": parsed.fingerprint, "filename": upload.name}
        st.session_state["import_source"] = (upload.name, upload.size)

draft = st.session_state.get(DRAFT)
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
unknown = read("unresolved_units", names=sorted({n for t in draft["tasks"] for k in drafts.UNIT_KEYS
                                                  for n in t.get(k) or []}))
if unknown:
    warnings.append("以下单位名称未能对应到系统中的单位，请修改或由系统管理员补充简称对照：" + "、".join(unknown))
if warnings:
    st.warning(f"请核对以下 {len(warnings)} 处：\n" + "\n".join(f"- {md(w)}" for w in warnings))

st.subheader(f"任务清单（{len(draft['tasks'])} 项）")
st.caption("可直接修改单元格；“依赖”填写“编号@间隔”，如“二.2@2 months；二.1@30 workdays”；可在表格末尾增加行，选中行后删除。")
revision = st.session_state.get("import_rev", 0)
edited = st.data_editor(drafts.to_frame(draft), num_rows="dynamic", hide_index=True, key=f"import_editor_{revision}",
                        height=420, column_config={"里程碑": st.column_config.CheckboxColumn(),
                                                   "持续推进": st.column_config.CheckboxColumn()})
current = {**drafts.from_frame(edited, draft), "plan": meta}

codes = [t["code"] for t in current["tasks"]]
m1, m2 = st.columns(2)
with m1:
    to_merge = st.multiselect("合并任务（并入第一个所选任务）", codes, key="import_merge")
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

changes = dashboard.changes_against_published(current)
if changes and "error" not in changes:
    st.info(f"已发布过同名方案。与已发布版本相比：新增 {len(changes['added'])} 项、删除 {len(changes['removed'])} 项、"
            f"变更 {len(changes['changed'])} 项任务。发布后将作为新方案保存。")
    with st.expander("查看差异"):
        for label, key in (("新增", "added"), ("删除", "removed"), ("变更", "changed")):
            if changes[key]:
                st.markdown(f"**{label}：** " + md("；".join(changes[key])))

p1, p2 = st.columns(2)
publish = p1.button("发布方案", key="import_publish", type="primary", icon=":material/publish:")
if publish and jobs.server_mode():
    # with a Prefect server, publishing runs as the plan-import flow: it goes on if this page is reloaded
    run = call(jobs.submit, "plan-import", {"draft": {"plan": meta, "tasks": current["tasks"]},
                                            "fingerprint": draft.get("fingerprint"),
                                            "source_filename": draft.get("filename")})
    if run is not None:
        for key in (DRAFT, "import_source"):
            st.session_state.pop(key, None)
        flash("已提交发布，可在下方“后台任务”查看进度。")
        st.rerun()
elif publish:
    draft_to_publish = {"plan": meta, "tasks": current["tasks"]}
    with st.spinner("正在发布……"):
        result = call(plans.publish_plan, login.actor, draft_to_publish, source_filename=draft.get("filename"),
                      fingerprint=draft.get("fingerprint"))
    if result is not None:
        for key in (DRAFT, "import_source"):
            st.session_state.pop(key, None)
        if result.created:
            call(scheduling.recompute, login.actor, plan_id=result.plan.id, today=today())
            flash(f"已发布《{result.plan.title}》，共 {result.tasks} 项任务。" + (
                f"另有 {len(result.warnings)} 条提示：" + "；".join(result.warnings[:5]) if result.warnings else ""))
        else:
            flash(f"该文件已发布过（《{result.plan.title}》），未重复导入。")
        st.rerun()
if p2.button("放弃本次导入", key="import_discard"):
    for key in (DRAFT, "import_source"):
        st.session_state.pop(key, None)
    st.rerun()

jobs.panel(["plan-import"], key="import_jobs")
