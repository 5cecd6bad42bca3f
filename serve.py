"""The dashboard as served: Streamlit runs ``dashboard.py`` with the dashboard's own HTTP routes and middleware
(``ui/web.py``: the HttpOnly login cookie, downloads only to a live login, the empty world map plotly.js asks for
before it draws the township map). Start it with
``streamlit run serve.py`` (scripts/run.sh does)."""

import streamlit as st
from starlette.middleware import Middleware
from streamlit.runtime.pages_manager import PagesManager

from ui import warm, web

# dashboard.py names its pages with st.navigation; the pages/ folder beside it is not Streamlit's older multipage
# folder. Said before the first session, so that session's first run is dashboard.py's too: otherwise Streamlit
# routes it through the folder, and an address naming no page there (pages/not_found.py's own) gets Streamlit's
# English "Page not found" notice before dashboard.py runs (frame.require_navigation covers `streamlit run
# dashboard.py`).
PagesManager.uses_pages_directory = False

app = st.App("dashboard.py", routes=web.ROUTES, middleware=[Middleware(web.DownloadsNeedLogin)])
warm.start()  # while the server starts and the first browser loads the page's code (ui/warm.py)
