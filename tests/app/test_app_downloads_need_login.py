"""Downloads and the login cookie (issue 16, item 10): where accounts exist, files go only to a live login — the
pages offer no download to a visitor without one, and the server (``ui/web.py``, mounted by ``serve.py``) refuses
a ``/media/…`` request that carries no live login; the login cookie is written by the server, HttpOnly, for a
one-time ticket."""

from __future__ import annotations

import asyncio

import pytest

from civdash.access import auth
from civdash.store import db
from tests.app.conftest import run_app
from ui import access, web

PASSWORD = "correct horse 8"
(COOKIE_ROUTE,) = [r.app for r in web.ROUTES if r.path == web.COOKIE_PATH]  # as serve.py mounts it


@pytest.fixture
def bureau(real_env):
    """The test's bureau database with a statistician and a live login session of hers; yields (path, token)."""
    con = db.connect(real_env)
    try:
        user = auth.add_user(con, "王芳", "statistician", PASSWORD, by="命令行")
        token = auth.start_session(con, user)
    finally:
        con.close()
    return real_env, token


def request(path: str, cookies: dict[str, str] | None = None) -> dict:
    """An HTTP scope for ``path`` (query string split off) with ``cookies``."""
    path, _, query = path.partition("?")
    header = "; ".join(f"{k}={v}" for k, v in (cookies or {}).items()).encode()
    return {"type": "http", "method": "GET", "path": path, "query_string": query.encode(), "root_path": "",
            "headers": [(b"cookie", header)] if header else [], "scheme": "http", "server": ("127.0.0.1", 8501)}


def answer(app, scope: dict) -> tuple[int, dict[str, list[str]], bytes]:
    """Run the ASGI ``app`` on ``scope``: (status, headers by lower-case name, body)."""
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    headers: dict[str, list[str]] = {}
    for k, v in start["headers"]:
        headers.setdefault(k.decode().lower(), []).append(v.decode())
    return start["status"], headers, b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


def served(scope: dict) -> tuple[int, bytes]:
    """What ``DownloadsNeedLogin`` in front of a stand-in for Streamlit's media route answers."""

    async def media(scope, receive, send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"FILE"})

    status, _, body = answer(web.DownloadsNeedLogin(media), scope)
    return status, body


def test_the_query_and_report_pages_offer_downloads_only_after_a_login(bureau, clean) -> None:
    for page, label in (("pages/query.py", "下载 Excel（统计表格式）"), ("pages/report.py", "下载 Word 文档（.docx）")):
        visitor = run_app(page, user=None)
        clean(visitor)
        assert not visitor.get("download_button"), page
        assert access.DOWNLOAD_NEEDS_LOGIN in [c.value for c in visitor.caption], page
        logged_in = run_app(page)
        clean(logged_in)
        assert label in [b.proto.label for b in logged_in.get("download_button")], page


def test_media_goes_only_to_a_live_login(bureau) -> None:
    path, token = bureau
    address = "/media/0a1b2c3d.xlsx"
    assert served(request(address, {web.COOKIE: token})) == (200, b"FILE")
    status, body = served(request(address))  # a link copied out of the browser
    assert status == 403 and body.decode() == web.REFUSED
    assert served(request(address, {web.COOKIE: "forged"}))[0] == 403
    con = db.connect(path)
    try:
        auth.end_session(con, token)  # logged out (or expired, or the account revoked)
    finally:
        con.close()
    assert served(request(address, {web.COOKIE: token}))[0] == 403
    assert served(request("/_stcore/health"))[0] == 200  # only downloads are guarded
    # The app's own fonts are no download: without them every icon shows its name ("dashboard", "lock") in English.
    assert served(request("/static/media/MaterialSymbols-Rounded.nEdyypZU.woff2")) == (200, b"FILE")
    assert served(request("/civ/static/media/SourceSansVF-Upright.ttf.woff2")) == (200, b"FILE")
    assert served(request("/civ/media/0a1b2c3d.xlsx"))[0] == 403


def test_without_accounts_media_goes_to_anyone(demo_env) -> None:
    assert served(request("/media/0a1b2c3d.csv")) == (200, b"FILE")


def test_the_login_cookie_is_set_by_the_server_httponly_for_a_ticket_used_once(demo_env) -> None:
    address = web.cookie_address("secret-token")
    assert address.startswith(web.COOKIE_PATH + "?t=") and "secret-token" not in address
    status, headers, _ = answer(COOKIE_ROUTE, (request(address)))
    (cookie,) = headers["set-cookie"]
    assert status == 204 and cookie.startswith(f"{web.COOKIE}=secret-token;")
    assert {"httponly", "samesite=strict", "path=/"} <= {p.strip().lower() for p in cookie.split(";")}
    assert answer(COOKIE_ROUTE, (request(address)))[0] == 404  # the ticket is gone
    assert answer(COOKIE_ROUTE, (request(web.COOKIE_PATH + "?t=guessed")))[0] == 404
    status, headers, _ = answer(COOKIE_ROUTE, (request(web.cookie_address(None))))
    (cleared,) = headers["set-cookie"]
    assert status == 204 and cleared.startswith(f'{web.COOKIE}="";') and "max-age=0" in cleared.lower()
