"""账户管理: every account with its role and state; add an account, set a new password, change a role, disable or
enable — each change made under the administrator's name and kept in the audit log."""

import streamlit as st

from ui import admin, data, frame

frame.page_header("账户管理")
if data.is_demo():
    st.info("当前为**示例数据**，账户保存在正式数据库中。请系统管理员在服务器上运行 "
            "`python -m civdash users add 用户名 --role admin` 建立正式数据库和第一个管理员账户，再在此管理其他账户。",
            icon="ℹ️")
    st.stop()

names = admin.account_table()
add_col, edit_col = st.columns(2, gap="large")
with add_col:
    admin.add_account_form()
with edit_col:
    admin.account_forms(names)
