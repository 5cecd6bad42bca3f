"""The 汇报材料 page's pieces: URL-bound period and section choices, the report built once per choice and data version,
its downloads, and a copy button that also works on an intranet address served over plain http."""

from __future__ import annotations

import html
import json
from datetime import date

import pandas as pd
import streamlit as st

from civdash.analysis import report
from civdash.analysis.report import ReportPeriod
from civdash.domain import times
from civdash.domain.periods import add_months, bucket_start, month_key, parse_month
from civdash.outputs import report_charts, report_docx
from ui import access, data, filters

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def period(container=st) -> ReportPeriod:
    """报告期: 月度, 季度 or 1-N月累计, and the month or quarter (quarters with data, newest first)."""
    left, right = container.columns([3, 2], vertical_alignment="bottom")
    kind = left.segmented_control("报告期", list(report.KINDS), default="ytd", format_func=report.KINDS.get,
                                  key="r_kind", bind="query-params", required=True,
                                  help="月度：当月数据；季度：季度内合计（存量取季末数）；1-N月累计：当年1月至所选月份的累计数。")
    if kind == "quarter":
        quarters = list(dict.fromkeys(add_months(bucket_start(m, "quarter"), 2) for m in data.months()))
        labels = {month_key(q): ReportPeriod.of("quarter", q).label() for q in quarters}
        chosen = right.selectbox("季度", list(labels), format_func=labels.get, key="r_quarter", bind="query-params")
        return ReportPeriod.of("quarter", parse_month(chosen))
    label = "截至月份" if kind == "ytd" else "月份"
    return ReportPeriod.of(kind, filters.month(key="r_month", label=label, container=right))


def sections(container=st) -> list[str]:
    """栏目: the catalog's categories, all by default; returned in catalog order."""
    options = data.categories()
    chosen = container.multiselect("栏目", options, default=options, key="r_sections", bind="query-params",
                                   placeholder="选择要写入的栏目")
    return [c for c in options if c in chosen]


@st.cache_data(show_spinner="正在生成汇报材料……", max_entries=32)
def _build(key: tuple[str, int], chosen: ReportPeriod, categories: tuple[str, ...], made_on: date) -> report.Report:
    with data.cursor() as cur:
        return report.build(cur, chosen, categories, made_on=made_on)


def build(chosen: ReportPeriod, categories: list[str]) -> report.Report:
    """The report (raises ``report.ReportRefused`` with a Chinese message)."""
    return _build(data.version(), chosen, tuple(categories), times.today_beijing())


@st.cache_data(show_spinner="正在生成 Word 文档……", max_entries=32)
def _docx(key: tuple[str, int], r: report.Report) -> bytes:
    """The report as .docx with each section's chart (drawn from the same data version as its text)."""
    with data.cursor() as cur:
        pictures = report_charts.pictures(cur, r)
    return report_docx.to_docx(r, pictures)


def downloads(r: report.Report, container=st) -> None:
    """Word and Markdown downloads, named for the district and the period (after a login where accounts exist)."""
    if not access.may_download():
        container.caption(access.DOWNLOAD_NEEDS_LOGIN)
        return
    word, markdown = container.columns(2)
    word.download_button("下载 Word 文档（.docx）", _docx(data.version(), r), file_name=report.file_name(r, "docx"),
                         mime=DOCX_MIME, icon=":material/description:", key="r_docx", width="stretch",
                         help="A4 公文版式（仿宋_GB2312 正文、黑体标题），每个栏目附一幅图表（主要指标走势、今年与去年对比），"
                              "文末附数据附表。",
                         on_click=access.downloaded(report.file_name(r, "docx"), page="汇报材料"))
    markdown.download_button("下载 Markdown（.md）", report.to_markdown(r).encode("utf-8"),
                             file_name=report.file_name(r, "md"), mime="text/markdown", icon=":material/download:",
                             key="r_md", width="stretch",
                             on_click=access.downloaded(report.file_name(r, "md"), page="汇报材料"))


_COPY = """
<div style="font-family: 'Source Sans Pro', 'Microsoft YaHei', 'PingFang SC', 'Noto Sans CJK SC', sans-serif;">
  <button id="copy" style="padding: 0.45rem 1rem; border: 1px solid rgba(49, 51, 63, 0.2); border-radius: 0.5rem;
          background: #fff; cursor: pointer; font-size: 0.95rem;">{label}</button>
  <span id="done" style="margin-left: 0.6rem; color: #2e7d32; font-size: 0.9rem;"></span>
</div>
<script>
const text = {text};
const done = document.getElementById("done");
function fallback() {{
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.appendChild(area);
  area.select();
  let ok = false;
  try {{ ok = document.execCommand("copy"); }} catch (e) {{ ok = false; }}
  document.body.removeChild(area);
  return ok;
}}
document.getElementById("copy").addEventListener("click", async () => {{
  let ok = false;
  if (window.isSecureContext && navigator.clipboard) {{
    try {{ await navigator.clipboard.writeText(text); ok = true; }} catch (e) {{ ok = fallback(); }}
  }} else {{
    ok = fallback();
  }}
  done.textContent = ok ? "已复制，可直接粘贴到文稿中" : "复制未成功，请在下方文字框中选中文字后按 Ctrl+C";
  done.style.color = ok ? "#2e7d32" : "#b71c1c";
}});
</script>
"""


def copy_button(text: str, label: str = "复制全文") -> None:
    """A button copying ``text``: the Clipboard API where the page is a secure context (https, localhost), else the
    older ``execCommand('copy')``, which browsers still allow on a click over plain http (an intranet server)."""
    payload = json.dumps(text, ensure_ascii=False).replace("</", "<\\/")
    st.iframe(_COPY.format(label=html.escape(label), text=payload), height=48)


def appendix(r: report.Report) -> pd.DataFrame:
    return pd.DataFrame(report.appendix_rows(r), columns=list(report.APPENDIX_HEADER))
