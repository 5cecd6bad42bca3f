"""数据查询 at province scale: ``table.build`` and the two downloads, against a pandas baseline in the same process.

On the province database of ``tests/benchmarks/province.py`` (1,500 townships × 10 years × every catalog indicator,
built there and reused from ``tests/benchmarks/output/``), times, as a person would ask for them:

* townships × 8 indicators for 1-6月 of the last year (1,500 rows and 合计);
* months × 8 indicators over all ten years (120 rows), and the same by quarter, 累计;
* the .xlsx and the .csv of the township table.

The baseline is what a hand-written export would do: read the current facts of the indicators and months from
DuckDB into pandas and pivot them (flows summed, stocks at the last month, levels averaged with their weights),
timed from the query to the finished frame. Both must give the same township figures (the script stops
otherwise). Figures are printed, never asserted; record them in docs/benchmarks.md.

    .venv/bin/python tests/benchmarks/query_table.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from civdash.analysis import metrics, table  # noqa: E402
from civdash.domain import catalog  # noqa: E402
from civdash.domain.units import round_half_up, to_display  # noqa: E402
from civdash.outputs import export  # noqa: E402
from civdash.store import db  # noqa: E402
from tests.benchmarks import province  # noqa: E402

CODES = ("dibao_urban_households", "dibao_urban_persons", "dibao_urban_funds", "dibao_urban_standard",
         "dibao_rural_households", "dibao_rural_persons", "dibao_rural_funds", "tekun_persons")


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    """Median seconds of ``repeat`` runs after one warm-up, and the last result."""
    fn()
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def pandas_townships(con, start: date, end: date) -> pd.DataFrame:
    """The baseline: the facts read into pandas and pivoted township × indicator by the catalog's kinds."""
    inds = catalog.indicator_map(con)
    facts = con.execute(
        "SELECT f.indicator_code, f.township_id, f.period, f.value FROM fact f JOIN township t ON t.id = f.township_id"
        " WHERE f.is_current AND t.level = 'township' AND f.indicator_code IN (SELECT unnest($codes))"
        " AND f.period BETWEEN $start AND $end", {"codes": list(CODES), "start": start, "end": end}).df()
    facts["kind"] = facts["indicator_code"].map({c: i.kind for c, i in inds.items()})
    flows = facts[facts["kind"] == "flow"].groupby(["township_id", "indicator_code"])["value"].sum()
    last = facts[facts["kind"] != "flow"].sort_values("period").groupby(["township_id", "indicator_code"])["value"].last()
    values = pd.concat([flows, last]).unstack("indicator_code")
    for code in values.columns:
        unit, decimals = inds[code].unit, inds[code].decimals
        shown = 2 if unit == "元" else decimals
        values[code] = [round_half_up(to_display(v, unit), shown) if pd.notna(v) else np.nan for v in values[code]]
    return values


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    path = province.default_db_path(1500, 10)
    if not path.exists():
        print(f"no province database at {path}: run tests/benchmarks/province.py first", file=sys.stderr)
        return 1
    con = db.connect(path, read_only=True)
    end = metrics.latest_period(con)
    first = metrics.first_period(con)
    half = date(end.year, 1, 1)
    n_facts = con.execute("SELECT count(*) FROM fact WHERE is_current").fetchone()[0]
    print(f"{path.name}: {n_facts:,} current facts, {first:%Y-%m} … {end:%Y-%m}")

    rows = []
    towns = table.TableRequest(CODES, half, end)
    s, t = timed(lambda: table.build(con, towns), args.repeat)
    base_s, base = timed(lambda: pandas_townships(con, half, end), args.repeat)
    ours = pd.DataFrame(t.values[:-1], columns=[c.code for c in t.columns])
    ids = {tw.name: tw.id for tw in __import__("civdash.domain.townships", fromlist=["x"]).townships(con)}
    ours.index = [ids[label] for label in t.labels[:-1]]
    theirs = base.reindex(index=ours.index, columns=ours.columns)
    level = [c.code for c in t.columns if c.kind == "level"]  # pandas takes each township's own level: same thing
    differ = ~np.isclose(ours.to_numpy(float), theirs.to_numpy(float), equal_nan=True)
    if differ.any():
        r, c = np.argwhere(differ)[0]
        print(ours.iloc[r, c], theirs.iloc[r, c], ours.columns[c], differ.sum(axis=0))
    assert not differ.any(), "township figures differ"
    rows.append(("townships × 8 indicators, 1-6月", f"{len(t.labels):,}", s, base_s))
    periods = table.TableRequest(CODES, first, end, rows="period")
    s, t = timed(lambda: table.build(con, periods), args.repeat)
    rows.append(("months × 8 indicators, 10 years", f"{len(t.labels):,}", s, None))
    quarters = table.TableRequest(CODES, first, end, grain="quarter", ytd=True, rows="period")
    s, t = timed(lambda: table.build(con, quarters), args.repeat)
    rows.append(("quarters × 8 indicators, 10 years, 累计", f"{len(t.labels):,}", s, None))
    big = table.build(con, towns)
    s, xlsx = timed(lambda: export.to_xlsx(big, end), args.repeat)
    rows.append((f".xlsx of the township table ({len(xlsx) / 1e6:.2f} MB)", f"{len(big.labels):,}", s, None))
    s, data = timed(lambda: export.to_csv(big), args.repeat)
    rows.append((f".csv of the township table ({len(data) / 1e6:.2f} MB)", f"{len(big.labels):,}", s, None))
    con.close()

    print(f"\n| case | rows | civdash (median of {args.repeat}) | pandas baseline | ratio |\n|---|---:|---:|---:|---:|")
    for name, n, ours_s, base_s in rows:
        base_text = f"{base_s * 1000:,.0f} ms" if base_s else "—"
        ratio = f"{base_s / ours_s:.2f}×" if base_s else "—"
        print(f"| {name} | {n} | {ours_s * 1000:,.0f} ms | {base_text} | {ratio} |")
    print(f"(levels compared too: {', '.join(level)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
