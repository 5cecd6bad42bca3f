"""The command line starts light (issue 24): ``--help`` imports no data library, a command imports what it runs on
and not the other commands' libraries, and the parser built lazily reads the same as the one with every command
declared."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from civdash.cli.main import MODULES, build_parser

ROOT = Path(__file__).resolve().parents[3]
HEAVY = ("pandas", "numpy", "pyarrow", "duckdb", "docx", "xlsxwriter", "plotly", "argon2", "openpyxl",
         "charset_normalizer", "civdash.demo", "civdash.analysis.ask", "civdash.outputs.report_docx")


def imported_by(*argv: str) -> set[str]:
    """The modules among HEAVY that ``python -m civdash ARGV`` has imported when it ends (in a process of its own)."""
    probe = ("import json, runpy, sys\n"
             f"sys.argv = ['civdash', *{list(argv)!r}]\n"
             "try:\n    runpy.run_module('civdash', run_name='__main__')\n"
             "except SystemExit:\n    pass\n"
             f"print(json.dumps(sorted(m for m in {list(HEAVY)!r} if m in sys.modules)), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


def test_help_imports_no_data_library() -> None:
    assert imported_by("--help") == set()


def test_an_import_does_not_import_what_other_commands_need(tmp_path) -> None:
    data = tmp_path / "表.csv"
    data.write_text("期间,乡镇,指标,数值\n2025-06,城东街道,城市低保人数,12\n", encoding="utf-8")
    found = imported_by("import", str(data), "--db", str(tmp_path / "real.duckdb"), "--dry-run",
                        "--allow-new-townships")
    assert {"pandas", "duckdb"} <= found  # it did run
    assert found.isdisjoint({"docx", "plotly", "argon2", "openpyxl", "charset_normalizer", "civdash.demo",
                             "civdash.analysis.ask", "civdash.outputs.report_docx"})


@pytest.mark.parametrize("command", [None, *MODULES])
def test_the_lazy_parser_reads_as_the_full_one(command: str | None) -> None:
    full, lazy = build_parser(), build_parser(set() if command is None else {command})
    assert lazy.format_help() == full.format_help()
    if command is not None:
        sub = lambda p: p._subparsers._group_actions[0].choices[command]  # noqa: E731
        assert sub(lazy).format_help() == sub(full).format_help()
