"""What every page shows around its content: the demo banner, the title and the 数据截至 stamp."""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote, urlsplit

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from civdash.domain.periods import as_of_label
from ui import data

_CSS = """
<style>
  .civdash-stamp { color: #5b6770; font-size: 0.95rem; margin-top: -0.6rem; }
  /* A figure's size follows its card's width (cqi), so the longest unit (718.42元/人·月) fits four to a row at 1366. */
  div[data-testid="stMetric"] { container-type: inline-size; }
  div[data-testid="stMetricValue"] { white-space: nowrap; font-size: clamp(1.25rem, min(2.1vw, 12.5cqi), 2.25rem); }
  /* Long indicator names (孤儿和事实无人抚养儿童基本生活费) wrap instead of ending in "…". */
  [data-testid="stMetricLabel"] p, [data-testid="stMetricLabel"] div { white-space: normal !important;
      overflow: visible !important; text-overflow: clip !important; }
  @media (max-width: 640px) { .civdash-stamp { font-size: 0.85rem; } }
</style>
"""

# Streamlit's own English that neither its config nor its API can change (docs/architecture.md, "Chinese
# everywhere"): the file uploader's button, the text it shows while a file is dragged over it and its size/type line
# (the page's label says both in Chinese), the keyboard "Skip to main content" link, and the toolbar over tables,
# charts and code (Search, Download as CSV, Show/hide columns, Fullscreen, Copy to clipboard: the pages offer their
# own Chinese downloads and copy button). Text is replaced, not covered: the English glyphs get no size, the Chinese
# comes from ::after, so what a person sees and what a screen reader is given by the visible text agree.
LOCALE_CSS = """
<style>
  [data-testid="stFileUploaderDropzone"] > span > button [data-testid="stMarkdownContainer"] p,
  [data-testid="stFileUploaderDropzone"] > div:not([data-testid]) > *,
  [data-testid="stSkipToContent"] { font-size: 0 !important; }
  [data-testid="stFileUploaderDropzone"] > span > button [data-testid="stMarkdownContainer"] p::after {
      content: "选择文件"; font-size: 0.875rem; }
  [data-testid="stFileUploaderDropzone"] > div:not([data-testid]) > *::after { content: "松开鼠标即可上传";
      font-size: 1rem; }
  [data-testid="stSkipToContent"]::after { content: "跳到主要内容"; font-size: 1rem; }
  [data-testid="stFileUploaderDropzoneInstructions"], [data-testid="stElementToolbar"] { display: none !important; }
</style>
"""

MEETING_CSS = """
<style>
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"] { display: none; }
  /* Fits a 1024×768 projector without scrolling: small margins, no space reserved under the last element. */
  .block-container { padding: 0.6rem 1.5rem 0.4rem 1.5rem !important; max-width: 100%; }
  /* Type follows the window's height: 16px at 768 px high, 23px at 1080. */
  html, body, [data-testid="stAppViewContainer"] { font-size: clamp(16px, 2.15vh, 23px); }
  [data-testid="stMetricValue"] { font-size: clamp(1.9rem, 3.2vw, 3.4rem) !important; }
  [data-testid="stMetricLabel"] p { font-size: clamp(1.05rem, 1.5vw, 1.4rem) !important; }
  [data-testid="stMetricDelta"] { font-size: clamp(1rem, 1.4vw, 1.3rem) !important; }
  .civdash-slide-title { font-size: clamp(1.5rem, 2.6vw, 2.6rem); font-weight: 700; margin: 0.1rem 0 0.2rem 0;
                         line-height: 1.25; }
  .civdash-meeting-stamp { font-size: clamp(0.8rem, 1.25vw, 1.3rem); color: #4a5560; text-align: right;
                           white-space: nowrap; }
  .civdash-meeting-pager { text-align: center; font-size: clamp(0.8rem, 1.1vw, 1.1rem); }
  .civdash-theme-link { white-space: nowrap; }
  .civdash-demo-tag { background: #fdf1d6; color: #8a5a00; border-radius: 0.4rem; padding: 0.1rem 0.5rem;
                      font-size: 1rem; margin-right: 0.5rem; }
  [data-testid="stProgress"] p { font-size: 1.4rem !important; }
  .st-key-meeting_slide h3 { font-size: 1.4rem; }
  .st-key-meeting_slide h4 { font-size: 1.15rem; }
  /* The PageUp/PageDown buttons only carry their keys (ui/meeting.py's pager); the visible ones are ◀ ▶. */
  .st-key-meeting_clicker { display: none !important; }
</style>
"""

# Streamlit's dark theme (?embed_options=dark_theme) with this page's own colours brighter, for dim rooms.
MEETING_DARK_CSS = """
<style>
  .civdash-meeting-stamp { color: #e6edf3; }
  .civdash-slide-title { color: #ffffff; }
  .civdash-demo-tag { background: #5c4400; color: #ffe8a3; }
  [data-testid="stCaptionContainer"] { color: #d0d7de !important; }
</style>
"""


def meeting_css(dark: bool = False) -> str:
    """会议模式's style, with ``MEETING_DARK_CSS`` on Streamlit's dark theme."""
    return MEETING_CSS + (MEETING_DARK_CSS if dark else "")


def require_navigation() -> None:
    """Make sure the page runs inside dashboard.py's navigation.

    Streamlit still has a legacy mode for apps with a ``pages/`` folder: on a fresh server, a first visit
    straight to a page's URL (a shared link) runs that page file alone, without dashboard.py, so the
    navigation, page titles and wide layout are lost. Switching the legacy mode off and rerunning makes
    Streamlit run dashboard.py, which opens the requested page. That restart drops the value a button returns
    in the run it arrives in (Streamlit's test harness starts every run this way), so a page acts on a click
    through the button's ``on_click`` callback, which runs before the restart.
    """
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def localise() -> None:
    """``LOCALE_CSS`` on every page, 会议模式 and refusals included (dashboard.py, every run). A style-only st.html
    takes no room on the page."""
    st.html(LOCALE_CSS)


@functools.cache
def page_files() -> list[str]:
    """The names of the page files (pages/*.py, without .py): addresses Streamlit itself may route to."""
    return sorted(f.stem for f in (Path(__file__).resolve().parents[1] / "pages").glob("*.py"))


def unknown_address(url_paths: Iterable[str]) -> str | None:
    """The page name of the browser's address when it names none of ``url_paths`` (and is one path segment, as page
    addresses are), else None.

    Streamlit answers an address that names no page with an English notice ("Page not found … Running the app's main
    page") and runs the main page. dashboard.py instead adds a hidden page at this address (pages/not_found.py), so
    the address opens a Chinese page saying so. ``st.context.url`` is the address as the browser sent it on the
    session's first run (a mistyped link is always a first run: it is typed or opened, not reached by clicking); a
    guess that is wrong only adds a page no address reaches.
    """
    name = address_name()
    if not name or "/" in name or name in set(url_paths):
        return None
    return name


def address_name() -> str:
    """The page name in the browser's address on the session's first run ('' at the app's root, "meeting" at
    /meeting?meeting=1), without the server's base path."""
    path = unquote(urlsplit(st.context.url or "").path)
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return path.strip("/").removeprefix(base).strip("/")


def demo_tag() -> str:
    """A small '示例数据' mark for screens with no room for the banner (会议模式)."""
    return '<span class="civdash-demo-tag">示例数据</span>' if data.is_demo() else ""


def demo_banner() -> None:
    if data.is_demo():
        st.warning(
            "**示例数据**：当前显示的是内置的示例区县（黔江区）数据，仅供熟悉功能。"
            "首次上传本单位的真实报表后，系统将启用正式数据库，示例数据不会与真实数据混合。",
            icon="ℹ️",
        )


def as_of() -> str:
    months = data.months()
    return as_of_label(months[0]) if months else "暂无数据"


def page_header(title: str) -> None:
    """Banner, title and stamp; call first on every page."""
    require_navigation()
    st.markdown(_CSS, unsafe_allow_html=True)
    demo_banner()
    st.title(title)
    st.markdown(f'<div class="civdash-stamp">{html.escape(data.district_name())} · {as_of()}</div>', unsafe_allow_html=True)


def no_data() -> None:
    st.info("暂无数据。请先由统计员上传报表，或使用示例数据熟悉功能。")


_MARKDOWN_SPECIALS = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation character
# GFM finds bare links (http://…, www.…, name@host) in the text after the escapes are resolved; a zero-width space
# inside the marker, which nobody sees, stops it.
_AUTOLINK = re.compile(r"(?i)(?<=h)(?=ttps?:)|(?<=w)(?=ww\.)|(?<=@)")
ZERO_WIDTH = "\u200b"


def plain(text: object) -> str:
    """``text`` supplied by people (a township, indicator, category, user or file name; a message quoting one) as
    Streamlit shows it literally wherever it reads Markdown: st.markdown, st.caption, st.info/success/warning/error,
    st.subheader, widget labels, radio options, expander titles, metric labels, help tooltips, progress texts.

    Every ASCII punctuation character is backslash-escaped, which CommonMark allows for each of them and Streamlit
    honours: no link or image (``[…](…)``, ``![…](…)``, autolinks), emphasis, code, HTML (``<b>``), block syntax
    (``#``, ``-``, ``1.``, ``>``), LaTeX (``$…$``), colour or badge directive (``:red[…]``), table or typographic
    arrow (``->``) can arise. GFM's bare links (``http://…``, ``www.…``, ``a@b.c``) are found after the escapes are
    resolved, so a zero-width space goes inside their marker (``h\u200bttp://``): the text reads the same.
    Not for what Streamlit shows as plain text (st.text, st.code, dataframe cells, selectbox and multiselect options,
    text input values), where the backslashes would show."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", _AUTOLINK.sub(ZERO_WIDTH, str(text)))
