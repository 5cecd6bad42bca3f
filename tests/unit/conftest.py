"""Shared fixtures: a tiny hand-made district and the demo district, both as real DuckDB files.

The tiny district (``small``) has three townships and five indicators; every expected figure in
``test_metrics.py`` is computed by hand from the table below.

    township      id  type
    城东街道       T1  街道
    中塘镇 (中塘乡) T2  镇
    新华乡         T3  乡   — did not report 2025-03 at all

    persons  stock  人      低保人数
    funds    flow   元      低保资金        (a superseded value 9999 for T1 2025-02 is kept as history)
    standard level  元/人·月 平均保障标准   weighted by persons
    rate     level  %       覆盖率          plain average
    cases    flow   人次    临时救助人次    only T1 and T2, 2025-01 and 2025-02

A district row (黔江区) holds persons = 10000 for 2025-01; it must never be added to township sums.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pytest

from civdash import demo
from civdash.domain import catalog, townships
from civdash.store import db
from tests.conftest import DEMO_UNTIL as DEMO_UNTIL  # re-exported: the demo snapshot's last month

CATALOG_CSV = """\
code,name,aliases,category,unit,kind,decimals,weight,note
persons,低保人数,低保对象人数|保障人数,社会救助,人,stock,0,,月末在册
funds,低保资金,低保金|低保资金支出,社会救助,元,flow,2,,
standard,平均保障标准,保障标准,社会救助,元/人·月,level,2,persons,不可相加
rate,覆盖率,,社会救助,%,level,1,,
cases,临时救助人次,临时救助,社会救助,人次,flow,0,,
"""

M = date  # short alias for the table below
MONTHS = [M(2024, 1, 1), M(2024, 10, 1), M(2024, 11, 1), M(2024, 12, 1), M(2025, 1, 1), M(2025, 2, 1),
          M(2025, 3, 1)]

# indicator -> month -> (T1, T2, T3); None = not reported
VALUES: dict[str, dict[date, tuple[float | None, float | None, float | None]]] = {
    "persons": {
        M(2024, 1, 1): (100, 50, 20),     # 170
        M(2024, 10, 1): (110, 60, 30),    # 200
        M(2024, 11, 1): (112, 62, 30),    # 204
        M(2024, 12, 1): (115, 64, 31),    # 210
        M(2025, 1, 1): (120, 65, 32),     # 217
        M(2025, 2, 1): (119, 66, 33),     # 218
        M(2025, 3, 1): (121, 67, None),   # 188
    },
    "funds": {
        M(2024, 1, 1): (1000, 500, 200),    # 1700
        M(2024, 10, 1): (1100, 600, 300),   # 2000
        M(2024, 11, 1): (1200, 650, 300),   # 2150
        M(2024, 12, 1): (1300, 700, 350),   # 2350
        M(2025, 1, 1): (1400, 700, 400),    # 2500
        M(2025, 2, 1): (1500, 750, 420),    # 2670
        M(2025, 3, 1): (1600, 800, None),   # 2400
    },
    "standard": {
        M(2024, 1, 1): (650, 550, 450),
        M(2024, 10, 1): (690, 590, 490),
        M(2024, 11, 1): (690, 590, 490),
        M(2024, 12, 1): (690, 590, 490),
        M(2025, 1, 1): (720, 620, 520),
        M(2025, 2, 1): (720, 620, 520),
        M(2025, 3, 1): (730, 630, None),
    },
    "rate": {
        M(2024, 1, 1): (70, 50, 30),      # 50
        M(2024, 10, 1): (75, 55, 35),     # 55
        M(2024, 11, 1): (76, 56, 36),     # 56
        M(2024, 12, 1): (78, 58, 38),     # 58
        M(2025, 1, 1): (80, 60, 40),      # 60
        M(2025, 2, 1): (82, 62, 42),      # 62
        M(2025, 3, 1): (84, 64, None),    # 74
    },
    "cases": {
        M(2025, 1, 1): (10, 5, None),     # 15
        M(2025, 2, 1): (12, 6, None),     # 18
    },
}

SUPERSEDED = [  # (indicator, township index, month, old value): stored as history, never counted
    ("funds", 0, M(2025, 2, 1), 9999.0),
    ("persons", 1, M(2025, 1, 1), 999.0),
]
DISTRICT_FACT = ("persons", M(2025, 1, 1), 10000.0)


@dataclass
class Small:
    con: duckdb.DuckDBPyConnection
    path: Path
    district: int
    t1: int  # 城东街道
    t2: int  # 中塘镇
    t3: int  # 新华乡


def build_small(path: Path) -> Small:
    con = db.connect(path)
    with db.transaction(con):
        small = _fill_small(con, path)
    return small


def _fill_small(con: duckdb.DuckDBPyConnection, path: Path) -> Small:
    cat = path.with_suffix(".catalog.csv")
    cat.write_text(CATALOG_CSV, encoding="utf-8")
    catalog.seed(con, cat)
    district = townships.register(con, "黔江区", code="500114", type_="区县", level="district", sort_order=0)
    t1 = townships.register(con, "城东街道", code="500114001", type_="街道", sort_order=1)
    t2 = townships.register(con, "中塘镇", code="500114121", type_="镇", former_names=["中塘乡"], sort_order=2)
    t3 = townships.register(con, "新华乡", code="500114256", type_="乡", sort_order=3)
    ids = [t1, t2, t3]
    new_batch = "INSERT INTO batch (user_name, source, note) VALUES ('统计员', 'upload', ?) RETURNING id"
    b1 = con.execute(new_batch, ["首次上报"]).fetchone()[0]
    b2 = con.execute(new_batch, ["更正"]).fetchone()[0]
    superseded = {(code, ids[i], month) for code, i, month, _ in SUPERSEDED}
    rows = []
    for code, by_month in VALUES.items():
        for month, values in by_month.items():
            for tid, value in zip(ids, values, strict=True):
                if value is not None:
                    rows.append((code, tid, month, float(value), b2 if (code, tid, month) in superseded else b1, True))
    for code, i, month, old in SUPERSEDED:
        rows.append((code, ids[i], month, old, b1, False))
    code, month, value = DISTRICT_FACT
    rows.append((code, district, month, value, b1, True))
    con.executemany(
        "INSERT INTO fact (indicator_code, township_id, period, value, batch_id, is_current) VALUES (?, ?, ?, ?, ?, ?)",
        rows,
    )
    return Small(con, path, district, t1, t2, t3)


@pytest.fixture(scope="session")
def small_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    """The tiny district built once; each test gets its own copy of the file."""
    s = build_small(tmp_path_factory.mktemp("small") / "small.duckdb")
    ids = {"district": s.district, "t1": s.t1, "t2": s.t2, "t3": s.t3}
    s.con.close()
    return s.path, ids


@pytest.fixture
def small(small_template: tuple[Path, dict[str, int]], tmp_path: Path):
    template, ids = small_template
    path = tmp_path / "small.duckdb"
    shutil.copyfile(template, path)
    s = Small(db.connect(path), path, **ids)
    yield s
    s.con.close()


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory):
    """The 30 demo townships of 黔江区 registered from the shipped CSV, and nothing else (read only)."""
    con = db.connect(tmp_path_factory.mktemp("registry") / "registry.duckdb")
    with db.transaction(con):
        townships.seed_from_csv(con, demo.DEMO_TOWNSHIPS, demo.DISTRICT_NAME, demo.DISTRICT_CODE)
    yield con
    con.close()


@pytest.fixture
def district(tmp_path: Path):
    """A writable database of this test's own: the shipped catalog and 黔江区's 30 townships, no figures."""
    con = db.connect(tmp_path / "district.duckdb")
    catalog.seed(con)
    townships.seed_from_csv(con, demo.DEMO_TOWNSHIPS, demo.DISTRICT_NAME, demo.DISTRICT_CODE)
    yield con
    con.close()


@pytest.fixture(scope="session")
def demo_path(demo_snapshot: Path) -> Path:
    """The session's demo database ending 2025-06 (tests/conftest.py); tests only read it."""
    return demo_snapshot


@pytest.fixture(scope="session")
def demo_con(demo_path: Path):
    con = db.connect(demo_path, read_only=True)
    yield con
    con.close()


@contextmanager
def held_by_another_process(path: Path, opening: str | None = None) -> Iterator[None]:
    """While the block runs, another process holds ``path`` open read-write, as the running dashboard does: opened
    plainly, or by ``opening`` (Python lines that open ``path`` and may write to it first), then idle."""
    opening = opening or f"import duckdb\nc = duckdb.connect({str(path)!r})\n"
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import sys\n{opening}print('ok', flush=True)\nsys.stdin.read()\n"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[2])
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ok"
        yield
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)
