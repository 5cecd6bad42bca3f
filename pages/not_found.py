"""页面不存在: what an address that names no page opens (a mistyped or outdated link), in place of Streamlit's English
notice; dashboard.py routes such an address here (``frame.unknown_address``)."""

import streamlit as st

from ui import frame
from ui.frame import plain

frame.page_header("页面不存在")
st.warning(f"您打开的地址“/{plain(frame.unknown_address(()) or '')}”不是看板中的页面，可能是链接有误或页面已调整。",
           icon=":material/link_off:")
st.page_link("pages/overview.py", label="返回总览", icon=":material/dashboard:")
