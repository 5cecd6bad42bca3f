"""Who is using the dashboard and what they may open: the login state of the session, the sidebar's page list
for that role, and the polite refusal of a page opened by its URL without the right.

Analysis pages are open to the intranet unless ``CIVDASH_LOGIN_FOR_ANALYSIS=1`` or a township account exists (its
holder would otherwise see every township by logging out); upload and admin pages always require a login
(``civdash.access.auth`` holds the roles and the rule). The session keeps the logged-in account under
``USER_KEY`` and the token of its login session under ``SESSION_KEY``; a login cookie (``COOKIE``, a login session
of ``auth.start_session``) logs a reloaded page or a new tab in again.

Revocation reaches an open tab: ``refresh`` reads the account of the session's login again (one query: the token
still live, the account not disabled, its role now) at the start of every page run (dashboard.py) and in every
callback that changes something (``still_allowed``), which runs before the page. An administrator's disabling,
role change or new password ends all of that account's login sessions, so its open tabs are logged out at their
next run. A session logged in without a login session (the identity provider's) is taken as it is.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from civdash.access import audit, auth
from ui import data, frame, web

USER_KEY = data.USER_KEY
NEXT_KEY = "civdash_after_login"
SESSION_KEY = "civdash_session_token"  # the token of this session's login session (its login, or its cookie's)
TOKEN_KEY = "civdash_new_token"  # a login session's token waiting to be written into the cookie
CLEAR_KEY = "civdash_clear_cookie"
ENDED_KEY = "civdash_ended_token"  # the cookie's token once its login session ended (not looked up again)
EXPIRED_KEY = "civdash_login_expired"  # this session's login ended elsewhere: say so once
EXPIRED = "您的登录已失效（账户已被停用、角色或密码已被管理员更改，或登录已超时），请重新登录。"
COOKIE = web.COOKIE


@dataclass(frozen=True)
class Entry:
    """A page of the navigation with the permission it needs."""

    page: st.Page
    permission: auth.Permission


def analysis_needs_login() -> bool:
    """True when ``CIVDASH_LOGIN_FOR_ANALYSIS=1``, and whenever the dashboard has a township account: otherwise its
    holder would see every township's figures by logging out."""
    if os.environ.get("CIVDASH_LOGIN_FOR_ANALYSIS", "").strip().lower() in ("1", "true", "yes"):
        return True
    return data.township_accounts_exist()


def oidc_settings() -> dict | None:
    """The ``[civdash]`` OIDC role settings when ``secrets.toml`` configures ``[auth]`` for ``st.login``, else None.

    secrets.toml: ``[auth]`` as Streamlit documents it (redirect_uri, cookie_secret, client_id, client_secret,
    server_metadata_url), and ``[civdash] role_claim = "groups"`` with ``[civdash.roles] admin = "…"``,
    ``statistician = ["…", "…"]``, ``viewer = "…"`` (the claim values that grant each role)."""
    try:
        if "auth" not in st.secrets:
            return None
        settings = st.secrets.get("civdash", {})
        return {"claim": settings.get("role_claim", "groups"), "roles": dict(settings.get("roles", {}))}
    except (FileNotFoundError, KeyError, AttributeError, st.errors.StreamlitSecretNotFoundError):
        return None


def _oidc_user(settings: dict) -> auth.User | None:
    """The person logged in through the identity provider, with the role its claim grants (None: no role)."""
    if not st.user.get("is_logged_in", False):
        return None
    claims = dict(st.user)
    role = auth.role_from_claims(claims, settings["claim"], settings["roles"])
    if role is None:
        return None
    name = str(claims.get("name") or claims.get("preferred_username") or claims.get("email") or "统一身份认证用户")
    found = auth.User(0, name, role, False)
    if not st.session_state.get("civdash_oidc_logged"):
        st.session_state["civdash_oidc_logged"] = True
        with data.cursor() as cur:
            audit.record(cur, name, "login", name, {"role": role, "via": "oidc"})
    return found


def user() -> auth.User | None:
    """The logged-in account as this run last read it (``refresh``), else the identity provider's."""
    found = st.session_state.get(USER_KEY)
    if isinstance(found, auth.User):
        return found
    settings = oidc_settings()
    return _oidc_user(settings) if settings else None


def refresh() -> auth.User | None:
    """Read the session's account again from the database: the account of its login session (its own login's, or
    the login cookie's for a reloaded page or a new tab), with the role it has now. A login session that ended —
    logout, expiry, or the account disabled, given another role or a new password — logs the session out (and
    clears the cookie); a session that was logged in is told so once (``expired_notice``). One query, and none
    for a session without a login session."""
    state = st.session_state
    token = state.get(SESSION_KEY)
    if not token and not isinstance(state.get(USER_KEY), auth.User):
        cookie = _cookie()
        token = cookie if cookie and cookie != state.get(ENDED_KEY) else None
    if not token or data.database()[1]:  # nobody, a session without a login session, or the demo (no accounts)
        return user()
    with data.cursor() as cur:
        found = auth.session_user(cur, token)
    if found is None:
        if state.get(SESSION_KEY) == token:
            state[EXPIRED_KEY] = True
        _forget(token)
        return user()
    state[USER_KEY], state[SESSION_KEY] = found, token
    return found


def _forget(token: str | None) -> None:
    """Log this session out without touching the database: its account and token dropped, the cookie cleared."""
    state = st.session_state
    state.pop(USER_KEY, None)
    state.pop(SESSION_KEY, None)
    state.pop(TOKEN_KEY, None)
    if token:
        state[ENDED_KEY] = token
    state[CLEAR_KEY] = True  # the sidebar clears the cookie on the next run


def still_allowed(permission: auth.Permission) -> bool:
    """For a callback that changes something: the account read again (``refresh``) and True when it may still do
    what ``permission`` grants. A tab rendered before its account was disabled or demoted acts no more."""
    refresh()
    return may_open(permission)


def expired_notice() -> None:
    """Once, after ``refresh`` logged the session out: the login has ended."""
    if st.session_state.pop(EXPIRED_KEY, False):
        st.warning(EXPIRED, icon=":material/lock_clock:")


def _cookie() -> str | None:
    try:
        value = st.context.cookies.get(COOKIE)
    except Exception:  # no browser context (a script run outside the server)
        return None
    return value if isinstance(value, str) and value else None


def write_cookie(token: str | None) -> None:
    """Have the browser set the login cookie to ``token`` (None: clear it): an invisible frame loads the address
    whose answer sets it (``web.cookie_address``) — HttpOnly and SameSite=Strict, written by the server, never by a
    page script."""
    st.iframe(web.cookie_address(token), height=1)


STORE_DOWN = "看板暂时无法使用数据，请稍后再试。如仍无法使用，请联系系统管理员。"


def known_admin() -> bool:
    """True when the session's account, as last read, is an administrator; reads nothing (for when the database
    cannot be reached: only an administrator is told what is wrong with the store)."""
    found = st.session_state.get(USER_KEY)
    return isinstance(found, auth.User) and found.role == "admin"


def role() -> str | None:
    u = user()
    return u.role if u else None


def may_open(permission: auth.Permission) -> bool:
    if permission == "analysis" and not analysis_needs_login():
        return True
    return auth.allowed(role(), permission)


def log_in(name: str, password: str) -> str:
    """Check the name and password; on success the session holds the account and its new login session's token
    (``SESSION_KEY``; ``TOKEN_KEY`` until the login page writes it into the cookie). Returns '' or the refusal."""
    with data.cursor() as cur:
        result = auth.login(cur, name, password, address=client_address())
        token = auth.start_session(cur, result.user) if result.user is not None else None
    if result.user is not None:
        st.session_state[USER_KEY] = result.user
        st.session_state[SESSION_KEY] = st.session_state[TOKEN_KEY] = token
        st.session_state.pop(EXPIRED_KEY, None)
    return result.message


def client_address() -> str | None:
    """The browser's address for the per-address login throttle: the connection's, or behind the reverse proxy on
    this machine (the connection is local) the last address of ``X-Forwarded-For``, the one nginx appended (the
    earlier ones a client may write); None when unknown (then only the per-account lock applies)."""
    try:
        peer = st.context.ip_address
        forwarded = st.context.headers.get("X-Forwarded-For", "")
    except Exception:  # no browser context (a script run outside the server)
        return None
    if isinstance(peer, str) and peer and peer not in ("127.0.0.1", "::1"):
        return peer
    last = forwarded.split(",")[-1].strip() if isinstance(forwarded, str) else ""
    return last[:64] or None


def log_out() -> None:
    """End the session's login session — the token of its own login even when the cookie was written after this
    tab connected (the cookie the server saw is older), and the cookie's — and clear the cookie."""
    u = user()
    state = st.session_state
    tokens = {t for t in (state.get(SESSION_KEY), state.get(TOKEN_KEY), _cookie()) if t}
    with data.cursor() as cur:
        if u is not None:
            audit.record(cur, u.name, "logout", u.name)
        for token in tokens:
            auth.end_session(cur, token)
    _forget(_cookie() or state.get(SESSION_KEY))
    if oidc_settings() and st.user.get("is_logged_in", False):
        st.logout()


def record(action: str, target: str | None = None, detail: dict | None = None) -> None:
    """An audit entry for the logged-in person (or nobody)."""
    u = user()
    with data.cursor() as cur:
        audit.record(cur, u.name if u else None, action, target, detail)


def downloaded(file_name: str, **detail: str) -> Callable[[], None]:
    """A download button's ``on_click``: the download goes to the audit log under the logged-in name (a callback
    runs on the click even when the run it arrives in restarts, see ``frame.require_navigation``; it also reruns
    the page, as ``on_click="rerun"`` would)."""
    return lambda: record("download", file_name, detail or None)


DOWNLOAD_NEEDS_LOGIN = "登录后可下载：每次下载都以登录的用户名记入审计日志。"


def may_download() -> bool:
    """Downloads go to a logged-in person wherever accounts exist — every download is recorded under a name, and
    the server hands a file only to a browser with a live login (``web.DownloadsNeedLogin``); without accounts
    (the demo) to anyone."""
    return user() is not None or not data.accounts_exist()


def sidebar(groups: dict[str, list[Entry]], login_page: st.Page) -> None:
    """The pages this person may open, by group, and who is logged in (or a link to log in)."""
    allowed = {p: may_open(p) for p in {e.permission for entries in groups.values() for e in entries}}
    with st.sidebar:
        for group, entries in groups.items():
            shown = [e for e in entries if allowed[e.permission]]
            if not shown:
                continue
            st.caption(group)
            for e in shown:
                st.page_link(e.page, label=e.page.title, icon=e.page.icon)
        st.divider()
        if st.session_state.pop(CLEAR_KEY, False) and not st.session_state.get(TOKEN_KEY):
            write_cookie(None)
        u = user()
        if u is None:
            st.page_link(login_page, label="登录", icon=":material/login:")
        else:
            st.caption(f"当前用户：{frame.plain(u.name)}（{u.role_name}）")
            st.button("退出登录", key="civdash_logout", on_click=log_out, icon=":material/logout:")


def refusal(entry: Entry, login_page: st.Page) -> None:
    """What a page opened without the right shows instead of itself."""
    st.title(entry.page.title)
    needs = {"analysis": "登录", "fill": "乡镇填报员账户", "upload": "统计员或管理员账户", "review": "统计员或管理员账户",
             "registry": "管理员账户", "users": "管理员账户", "audit": "管理员账户"}[entry.permission]
    if user() is None:
        st.info(f"打开“{entry.page.title}”需要{needs}，请先登录。", icon=":material/lock:")
        st.session_state[NEXT_KEY] = entry.page
        st.page_link(login_page, label="前往登录", icon=":material/login:")
    else:
        st.warning(f"您的账户（{user().role_name}）没有打开“{entry.page.title}”的权限：需要{needs}。"
                   "如需开通，请联系系统管理员。", icon=":material/block:")
