"""审计: the audit log with filters, and verification of the hash chain."""
from __future__ import annotations

import streamlit as st

from models.services import audit, retention
from models.services.reads.admin import audit_events
from ui.components import tables
from ui.components.actions import act
from ui.components.fmt import when
from ui.components.labels import AUDIT_ACTIONS, OUTCOMES, ROLE_LABELS, actor_label, changes, object_label
from ui.components.labels import action as action_label
from ui.components.reads import read, unit_names
from ui.components.session import guard

login = guard("audit.view")
st.title("审计日志")

f1, f2, f3, f4 = st.columns(4)
action = f1.selectbox("操作", sorted(AUDIT_ACTIONS, key=lambda code: (code.partition(".")[0], code)), index=None,
                      key="audit_action", placeholder="全部操作",
                      format_func=lambda c: f"{object_label(c.partition('.')[0])} · {action_label(c)}")
actor = f2.text_input("操作人（用户名）", key="audit_actor")
outcome = f3.selectbox("结果", ["全部", *OUTCOMES], format_func=lambda k: OUTCOMES.get(k, k), key="audit_outcome")
span = f4.date_input("日期范围", value=[], key="audit_dates", format="YYYY-MM-DD")
since, until = (list(span) + [None, None])[:2] if isinstance(span, tuple | list) else (span, None)
rows = read(audit_events, action=action, actor=actor.strip() or None,
            outcome=None if outcome == "全部" else outcome, since=since, until=until, limit=2000)
st.caption(f"显示最近 {len(rows)} 条（最多 2000 条，请用筛选条件缩小范围）。")
tables.show(tables.frame([{**r, "ts": when(r["ts"]), "actor_role": ROLE_LABELS.get(r["actor_role"], "系统"),
                           "actor_name": actor_label(r["actor_name"], r["actor_role"]),
                           "outcome": OUTCOMES.get(r["outcome"], r["outcome"]), "action": action_label(r["action"]),
                           "object_type": object_label(r["object_type"]),
                           "changes": changes(r["before"], r["after"], unit_names())} for r in rows],
                         {"id": "序号", "ts": "时间", "actor_name": "操作人", "actor_role": "角色", "action": "操作",
                          "object_type": "对象", "object_id": "对象编号", "outcome": "结果", "changes": "变更内容",
                          "client_addr": "来源地址"}),
            key="audit", file_name="审计日志", height=480)

st.subheader("完整性校验")
st.caption("逐条重新计算哈希链，检查审计记录是否被修改、删除或调换顺序。")
if st.button("校验审计链", key="audit_verify", type="primary"):
    with st.spinner("正在校验……"):
        result = audit.verify_chain(login.actor)
    if result.ok:
        st.success(f"校验通过：共 {result.checked} 条记录，哈希链完整。")
    else:
        st.error(f"发现 {len(result.problems)} 处问题（已校验 {result.checked} 条）：")
        for problem in result.problems[:50]:
            st.markdown(f"- {problem}")

st.subheader("保留期与定期清理")
current = retention.policy()
st.caption(f"《网络安全法》要求网络日志留存不少于六个月（本系统下限 {audit.MIN_RETENTION_DAYS} 天）。启用后，"
           "每日 03:00 的计划任务按下列保留期清理更早的审计记录，每次清理都记入审计日志。")
p1, p2 = st.columns(2)
auto = p1.checkbox("启用每日自动清理", value=current["auto_purge"], key="retention_auto")
days = p2.number_input("保留天数", min_value=audit.MIN_RETENTION_DAYS, max_value=3650,
                       value=max(current["retention_days"], audit.MIN_RETENTION_DAYS), key="retention_days")
if st.button("保存清理策略", key="retention_save"):
    act("清理策略已保存", retention.set_policy, login.actor, auto_purge=auto, retention_days=int(days))
purges = retention.recent_purges()
if purges:
    tables.show(tables.frame([{"ts": when(p["ts"]), "actor": p["actor"], "outcome": OUTCOMES.get(p["outcome"], p["outcome"]),
                               "after": changes(None, p["after"])} for p in purges],
                             {"ts": "时间", "actor": "执行人", "outcome": "结果", "after": "清理情况"}),
                key="retention_runs", file_name="审计清理记录", height=200)
else:
    st.caption("尚无清理记录。")
