"""系统: users and roles (sysadmin creates, disables, resets passwords; secadmin sets roles and unlocks),
unit aliases, notification channels and thresholds (放假安排 are on the 工作日历 page); the office edits the
发文机关设置 (county, agency names, 代字, 主送/抄送, 印发机关) every notice is written with."""
from __future__ import annotations

import streamlit as st

from models.services import accounts, admin, agencies, channels, robots, units
from models.services.permissions import has
from models.services.reads import admin as admin_reads
from ui.components import deliveries_view, tables
from ui.components.actions import act, call, show_flash
from ui.components.fmt import when
from ui.components.labels import ROLE_LABELS
from ui.components.reads import read, unit_id_by_name
from ui.components.session import guard

login = guard("user.manage", "user.roles", "notice.agency")
actor = login.actor
manage, roles = has(actor, "user.manage"), has(actor, "user.roles")
st.title("系统管理")
show_flash()

# ------------------------------------------------------------ agency settings (office)
if has(actor, "notice.agency"):
    st.subheader("发文机关设置")
    st.caption("红头、署名、文号代字、默认主送和抄送、印发机关均取自这里；公文中仍有“××”等占位符时不能印发。")
    current = agencies.settings()
    county = st.text_input("县（区）名称", current["county"], key="ag_county")
    edited: dict[str, dict[str, object]] = {}
    for key, fields in current["agencies"].items():
        with st.expander(agencies.AGENCY_LABELS.get(key, key), expanded=key == "office"):
            entry: dict[str, object] = {name: st.text_input(label, str(fields.get(name, "")), key=f"ag_{key}_{name}")
                                        for name, label in agencies.TEXT_FIELDS.items()}
            for name, label in agencies.LIST_FIELDS.items():
                entry[name] = st.text_input(f"{label}（用“、”分隔）", "、".join(fields.get(name, [])),
                                            key=f"ag_{key}_{name}")
            cols = st.columns(4)
            series = fields.get("series", {})
            entry["series"] = {s: cols[i % 4].text_input(f"代字·{agencies.SERIES_LABELS.get(s, s)}", series.get(s, ""),
                                                         key=f"ag_{key}_series_{s}")
                               for i, s in enumerate(series)}
            edited[key] = entry
    reply = st.number_input("催办函、督办通知单的反馈期限（工作日）", 1, 30, agencies.options()["reply_workdays"],
                            key="ag_reply_days")
    if st.button("保存发文机关设置", key="ag_save", type="primary"):
        act("已保存发文机关设置，之后生成的公文即按新设置排版。", agencies.update, actor, county=county,
            agencies=edited, reply_days=int(reply))

if not (manage or roles):
    st.stop()

# ------------------------------------------------------------ users
st.subheader("用户")
users = read(admin_reads.users)
tables.show(tables.frame([{**u, "role": ROLE_LABELS.get(u["role"], u["role"]),
                           "is_active": "启用" if u["is_active"] else "停用", "locked_until": when(u["locked_until"]),
                           "must_change_password": "是" if u["must_change_password"] else ""} for u in users],
                         {"username": "用户名", "display_name": "姓名", "role": "角色", "unit": "单位", "is_active": "状态",
                          "locked_until": "锁定至", "must_change_password": "须改口令"}),
            key="users", file_name="用户清单")
by_id = {u["id"]: u for u in users}
picked = st.selectbox("选择用户", list(by_id), key="user_pick",
                      format_func=lambda i: f"{by_id[i]['display_name']}（{by_id[i]['username']}）")
user = by_id[picked]
a1, a2, a3 = st.columns(3)
if manage:
    if user["is_active"] and a1.button("停用账户", key="user_disable"):
        act(f"已停用 {user['username']}，其所有会话立即失效。", accounts.set_active, actor, picked, False)
    if not user["is_active"] and a1.button("启用账户", key="user_enable"):
        act(f"已启用 {user['username']}。", accounts.set_active, actor, picked, True)
    if a2.button("重置口令", key="user_reset"):
        plain = call(accounts.reset_password, actor, picked)
        if plain is not None:
            st.success(f"已重置 {user['username']} 的口令。临时口令（仅显示一次，请当面或通过安全渠道告知，首次登录须修改）：")
            st.code(plain, language=None)
if roles:
    new_role = a1.selectbox("角色", list(ROLE_LABELS), index=list(ROLE_LABELS).index(user["role"]),
                            format_func=ROLE_LABELS.__getitem__, key="user_role")
    if a2.button("修改角色", key="user_set_role", disabled=new_role == user["role"]):
        act(f"已将 {user['username']} 的角色改为 {ROLE_LABELS[new_role]}，其原有会话已失效。",
            accounts.set_role, actor, picked, new_role)
    if a3.button("解除锁定", key="user_unlock", disabled=not user["locked_until"] and not user["failed_attempts"]):
        act(f"已解除 {user['username']} 的锁定。", accounts.unlock, actor, picked)

if manage:
    with st.expander("新建用户"):
        unit_names = list(unit_id_by_name())
        with st.form("new_user", clear_on_submit=True):
            username = st.text_input("用户名", key="new_user_name")
            display = st.text_input("姓名（单位）", key="new_user_display")
            role = st.selectbox("角色", list(ROLE_LABELS), format_func=ROLE_LABELS.__getitem__, key="new_user_role")
            unit = st.selectbox("所属单位", ["（无）", *unit_names], key="new_user_unit")
            if st.form_submit_button("创建", key="new_user_submit"):
                created = call(accounts.create_user, actor, username=username, display_name=display or username,
                               role=role, unit_name=None if unit == "（无）" else unit)
                if created is not None:
                    st.success(f"已创建 {username}。初始口令（仅显示一次，首次登录须修改）：")
                    st.code(created[1], language=None)

if not manage:
    st.stop()

# ------------------------------------------------------------ units and aliases
st.subheader("单位简称对照")
tables.show(tables.frame(admin.aliases(), {"alias": "简称/别称", "unit": "规范名称"}), key="aliases", file_name="单位简称对照")
c1, c2, c3 = st.columns([2, 3, 1])
alias = c1.text_input("简称", key="alias_name")
alias_unit = c2.selectbox("对应单位", list(unit_id_by_name()), key="alias_unit")
if c3.button("保存", key="alias_save"):
    act(f"已保存：{alias} → {alias_unit}", units.set_alias, actor, alias=alias, unit_name=alias_unit)
with st.expander("新增单位"):
    u1, u2 = st.columns(2)
    new_unit = u1.text_input("单位名称", key="unit_new_name")
    new_kind = u2.selectbox("类型", ["department", "town", "street", "office", "group", "other"], key="unit_new_kind",
                            format_func={"department": "部门", "town": "乡镇", "street": "街道", "office": "办公室",
                                         "group": "单位组", "other": "其他"}.__getitem__)
    if st.button("新增", key="unit_new_submit"):
        act(f"已新增单位：{new_unit}", units.add_unit, actor, name=new_unit, kind=new_kind)

# ------------------------------------------------------------ channels
st.subheader("通知渠道")
tables.show(tables.frame(admin.channels(), {"unit": "单位", "label": "名称", "scheme": "方式", "base_url": "机器人地址",
                                            "keyword": "关键词", "secret": "令牌/密钥", "enabled": "启用"}),
            key="channels", file_name="通知渠道")
n1, n2, n3 = st.columns([2, 3, 2])
ch_unit = n1.selectbox("单位", list(unit_id_by_name()), key="channel_unit")
ch_url = n2.text_input("邮件地址（mailto://…）", key="channel_url", type="password")
ch_label = n3.text_input("名称", key="channel_label")
if st.button("添加邮件渠道", key="channel_add"):
    act("已添加通知渠道。", admin.add_channel, actor, unit_name=ch_unit, url=ch_url, label=ch_label)
with st.expander("添加群机器人（钉钉 / 企业微信 / 飞书，含政务版）"):
    r1, r2 = st.columns(2)
    bot_unit = r1.selectbox("单位或单位组", list(unit_id_by_name()), key="robot_unit")
    bot_kind = r2.selectbox("平台", list(robots.KINDS), format_func=robots.KINDS.__getitem__, key="robot_kind")
    bot_base = r1.text_input("服务地址（政务版填写本地地址；留空用公网默认地址）", key="robot_base",
                             placeholder=robots.DEFAULT_BASES[bot_kind])
    bot_token = r2.text_input("令牌（钉钉 access_token / 企业微信 key / 飞书 hook 编号）", key="robot_token",
                              type="password")
    bot_secret = r1.text_input("加签密钥（未启用加签可留空）", key="robot_secret", type="password")
    bot_keyword = r2.text_input("自定义关键词（可留空）", key="robot_keyword")
    bot_timeout = r1.number_input("超时（秒）", 1.0, 120.0, 5.0, key="robot_timeout")
    st.caption("令牌和密钥加密保存，保存后不再显示。")
    if st.button("添加机器人", key="robot_add"):
        act("已添加群机器人。", channels.add_robot, actor, unit_name=bot_unit, kind=bot_kind, base_url=bot_base,
            token=bot_token, secret=bot_secret, keyword=bot_keyword, timeout_s=float(bot_timeout),
            clear=("robot_token", "robot_secret"))

by_channel = {c["id"]: c for c in admin.channels()}
if by_channel:
    k1, k2 = st.columns([3, 1])
    channel = k1.selectbox("选择渠道", list(by_channel), key="channel_pick",
                           format_func=lambda i: f"{by_channel[i]['unit']} · {by_channel[i]['label'] or by_channel[i]['scheme']}"
                                                 + ("" if by_channel[i]["enabled"] else "（已停用）"))
    enable = not by_channel[channel]["enabled"]
    if k2.button("启用" if enable else "停用", key="channel_toggle"):
        act("已启用通知渠道。" if enable else "已停用通知渠道。", admin.set_channel_enabled, actor, channel, enable)

deliveries_view.panel(actor, key="admin_deliveries")

# ------------------------------------------------------------ thresholds
st.subheader("预警阈值")
th = admin.thresholds()
t1, t2, t3 = st.columns(3)
due_soon = t1.number_input("临期提醒天数（黄灯）", 0, 90, th["due_soon_days"], key="th_due")
yellow = t2.number_input("进度落后点数（黄灯）", 1, 100, th["yellow_behind_points"], key="th_yellow")
red = t3.number_input("进度落后点数（红灯）", 1, 100, th["red_behind_points"], key="th_red")
if st.button("保存阈值", key="th_save"):
    act("已保存预警阈值，下次扫描时生效。", admin.set_thresholds, actor, due_soon_days=int(due_soon),
        yellow_behind_points=int(yellow), red_behind_points=int(red))
