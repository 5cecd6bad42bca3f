"""问数: the time to answer a question (read + answer, ``ask.ask`` without the audit write) against the time of the
metrics query it runs (``metrics.compare``, ``township_values``, ``derived_values``, ``target_progress``,
``over_range``), in one process, medians of repeated runs. The issue asks for answer time ≤ 2× the query's.

    .venv/bin/python tests/benchmarks/ask.py              # the demo district ending 2025-06, built in a temp dir
    .venv/bin/python tests/benchmarks/ask.py --db data/demo.duckdb --today 2026-12-07 --runs 30

Printed: per question, the query's median, the answer's median, their ratio; and the reading's own share (the
Vocabulary: catalog, registry, months, synonym list) measured apart.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from civdash import demo  # noqa: E402
from civdash.analysis import ask, metrics  # noqa: E402
from civdash.store import db  # noqa: E402

MONTH, YEAR_START = date(2025, 6, 1), date(2025, 1, 1)


def cases(con, east: int) -> list[tuple[str, Callable[[], object]]]:
    """(question, the metrics query its answer runs) for the demo ending 2025-06 asked on 2025-07-10."""
    per = next(d for d in ask.Vocabulary(con).derived if d.code == "dibao_urban_per_person")
    return [
        ("城东街道今年1-6月城市低保金发了多少", lambda: metrics.compare(con, ["dibao_urban_funds"], MONTH, "month", True,
                                                             townships=(east,))),
        ("全区农村低保人数比去年同期多了多少", lambda: metrics.compare(con, ["dibao_rural_persons"], MONTH)),
        ("城乡低保人数", lambda: metrics.compare(con, ["dibao_urban_persons", "dibao_rural_persons"], MONTH)),
        ("二季度临时救助资金同比", lambda: metrics.compare(con, ["temp_relief_funds"], date(2025, 4, 1), "quarter")),
        ("哪个乡镇临时救助人次最多", lambda: metrics.township_values(con, "temp_relief_cases", MONTH)),
        ("城市低保月人均补助", lambda: (metrics.derived_values(con, per, MONTH),
                                   metrics.missing(con, [per.numerator, per.denominator], MONTH, MONTH))),
        ("适老化改造完成率", lambda: metrics.target_progress(con, MONTH)),
        ("4-5月临时救助资金", lambda: (metrics.over_range(con, ["temp_relief_funds"], date(2025, 4, 1), date(2025, 5, 1)),
                                 metrics.missing(con, ["temp_relief_funds"], date(2025, 4, 1), date(2025, 5, 1)))),
    ]


def median_ms(run: Callable[[], object], runs: int) -> float:
    run()  # warm: the first call plans the SQL and fills caches
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        run()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="数据库（默认在临时目录生成截至2025年6月的示例区县）")
    parser.add_argument("--today", type=date.fromisoformat, default=date(2025, 7, 10))
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db
        if path is None:
            path = Path(tmp) / "demo.duckdb"
            demo.build(path, until=MONTH)
        con = db.connect(path, read_only=True)
        try:
            east = ask.Vocabulary(con).matcher.match("城东街道")
            vocab_ms = median_ms(lambda: ask.Vocabulary(con), args.runs)
            print(f"数据库：{path}；每项{args.runs}次取中位数；读入词表（Vocabulary）{vocab_ms:.1f} ms")
            print(f"{'问题':<24}{'查询 ms':>10}{'回答 ms':>10}{'倍数':>8}")
            ratios = []
            for question, query in cases(con, east):
                out = ask.ask(con, question, today=args.today, audit=False)
                assert out.sentence, (question, out.refusal, out.question_back)
                q = median_ms(query, args.runs)
                a = median_ms(lambda question=question: ask.ask(con, question, today=args.today, audit=False),
                              args.runs)
                ratios.append(a / q)
                print(f"{question:<24}{q:>10.1f}{a:>10.1f}{a / q:>8.2f}")
            print(f"倍数中位数 {statistics.median(ratios):.2f}，最大 {max(ratios):.2f}")
        finally:
            con.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
