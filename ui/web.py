"""The dashboard's own HTTP side, beside Streamlit's (``serve.py`` runs the app with them through ``st.App``):

- ``/civdash/cookie?t=…`` writes the login cookie (or clears it) as the server's answer — HttpOnly, so no page
  script can read it — for a one-time ticket the login page or the sidebar asked for (``cookie_address``); the page
  loads the address in an invisible frame, and no script runs anywhere.
- Downloads (Streamlit serves every download button's file under ``/media/…``) go only to a browser that holds a
  live login (``DownloadsNeedLogin``): a link copied out of the browser, or kept after a logout, an expiry or the
  account's revocation, is refused. Only a dashboard without accounts (the demo) hands files to anyone.
- ``/civdash/geo/…`` answers plotly.js's request for a world map with an empty one (see ``EMPTY_MAP``), so a
  township map draws on a server without internet.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from civdash.access import auth
from ui import data

COOKIE = "civdash_session"
COOKIE_PATH = "/civdash/cookie"
TICKET_SECONDS = 120.0  # a ticket not used by then is gone (the page loads it at once)
REFUSED = "下载链接只对已登录的看板页面有效：请登录看板，在页面上重新点击下载。"

_tickets: dict[str, tuple[str | None, float]] = {}  # ticket -> (login token, or None to clear; when it expires)
_lock = threading.Lock()

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


def cookie_address(token: str | None) -> str:
    """The address whose answer sets the login cookie to ``token`` (None: clears it); usable once."""
    ticket = secrets.token_urlsafe(24)
    now = time.monotonic()
    with _lock:
        for old in [t for t, (_, until) in _tickets.items() if until < now]:
            del _tickets[old]
        _tickets[ticket] = (token, now + TICKET_SECONDS)
    return f"{COOKIE_PATH}?t={ticket}"


async def cookie(request: Request) -> Response:
    """Set or clear the login cookie for a ticket of ``cookie_address``; an unknown or used ticket changes nothing."""
    with _lock:
        found = _tickets.pop(request.query_params.get("t", ""), None)
    if found is None or found[1] < time.monotonic():
        return Response(status_code=404, headers={"Cache-Control": "no-store"})
    token = found[0]
    answer = Response(status_code=204, headers={"Cache-Control": "no-store"})
    if token:
        answer.set_cookie(COOKIE, token, max_age=auth.SESSION_HOURS * 3600, path="/", httponly=True,
                          samesite="strict")
    else:
        answer.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
    return answer


GEO_PATH = "/civdash/geo/{name}"  # ui/charts.py GEO_ASSETS: plotly.js asks here for its world map
# plotly.js asks for a world map whenever it draws a choropleth, even one drawn from our GeoJSON with the basemap
# hidden (plotly.js issue #6767). Its default address is on cdn.plot.ly; an intranet cannot reach it and the map
# would never draw. Ours: an empty one, because the dashboard never shows a basemap.
EMPTY_MAP = {"type": "Topology", "objects": {}, "arcs": []}


async def geo(request: Request) -> Response:
    """The empty world map for any map name plotly.js asks for."""
    return JSONResponse(EMPTY_MAP, headers={"Cache-Control": "max-age=86400"})


ROUTES = [Route(COOKIE_PATH, cookie, methods=["GET"]), Route(GEO_PATH, geo, methods=["GET"])]


def may_download(cookies: dict[str, str]) -> bool:
    """A download goes to a browser whose login cookie is a live login session, or one logged in through the
    identity provider; to anyone only where the dashboard has no accounts (the demo). The pages offer downloads by
    the same rule (``access.may_download``)."""
    if not data.accounts_exist() or _identity_provider_login(cookies):
        return True
    with data.cursor() as cur:
        return auth.session_user(cur, cookies.get(COOKIE)) is not None


def _identity_provider_login(cookies: dict[str, str]) -> bool:
    """True when the request carries Streamlit's own signed login cookie (``st.login``; split in chunks when
    long), each chunk checked with Streamlit's cookie secret."""
    from streamlit.auth_util import get_cookie_with_chunks
    from streamlit.web.server.server_util import AUTH_COOKIE_NAME, get_cookie_secret
    from streamlit.web.server.starlette.starlette_app_utils import decode_signed_value

    if AUTH_COOKIE_NAME not in cookies:
        return False
    secret = get_cookie_secret()

    def signed(name: str) -> bytes | None:
        value = cookies.get(name)
        return decode_signed_value(secret, name, value) if value else None

    try:
        return get_cookie_with_chunks(signed, AUTH_COOKIE_NAME) is not None
    except Exception:  # a malformed cookie is no login
        return False


def is_download(path: str) -> bool:
    """Whether ``path`` is Streamlit's media route (``[base]/media/…``, the download buttons' files), not the app's own
    static files (``[base]/static/media/…``: the fonts, among them the icon font; refused, every icon would show its
    name in English, "dashboard" for the 总览 icon)."""
    return "/media/" in path and "/static/media/" not in path


class DownloadsNeedLogin:
    """ASGI middleware: a ``/media/…`` request is answered 403 (in Chinese) unless ``may_download``."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and is_download(scope.get("path", "")):
            cookies = Request(scope).cookies
            try:
                allowed = await run_in_threadpool(may_download, cookies)
            except Exception:  # the store unreachable: nothing is handed out
                allowed = False
            if not allowed:
                await PlainTextResponse(REFUSED, status_code=403, headers={"Cache-Control": "no-store"})(
                    scope, receive, send)
                return
        await self.app(scope, receive, send)
