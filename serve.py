"""The dashboard as served: Streamlit runs ``dashboard.py`` with the dashboard's own HTTP routes and middleware
(``ui/web.py``: the HttpOnly login cookie, downloads only to a live login). Start it with
``streamlit run serve.py`` (scripts/run.sh does)."""

import streamlit as st
from starlette.middleware import Middleware

from ui import web

app = st.App("dashboard.py", routes=web.ROUTES, middleware=[Middleware(web.DownloadsNeedLogin)])
