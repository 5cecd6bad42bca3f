"""The 问数 question set (tests/unit/analysis/ask_questions.py) asked of a database built through the importer: at
least 95 % read exactly, and no wrong value — every question not read exactly is asked back or refused."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import duckdb
import pytest

from civdash.analysis import ask
from civdash.domain.periods import add_months, parse_month
from civdash.store import db
from tests.unit.analysis import ask_db
from tests.unit.analysis.ask_questions import BACK, QUESTIONS, REFUSE, R

PER = {"dibao_urban_funds": "dibao_urban_persons", "dibao_rural_funds": "dibao_rural_persons",
       "tekun_funds": "tekun_persons", "temp_relief_funds": "temp_relief_cases"}
PAIRS = [{"dibao_urban_persons", "dibao_rural_persons"}, {"dibao_urban_households", "dibao_rural_households"},
         {"dibao_urban_funds", "dibao_rural_funds"}]
PER_HOUSEHOLD = {"dibao_urban_funds": "dibao_urban_households", "dibao_rural_funds": "dibao_rural_households"}


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ask_db.build(tmp_path_factory.mktemp("ask") / "ask.duckdb")


@pytest.fixture(scope="module")
def con(imported: Path):
    c = db.connect(imported, read_only=True)
    yield c
    c.close()


def _span(period: str) -> tuple[date, date]:
    a, _, b = period.partition("/")
    return parse_month(a), parse_month(b or a)


def _close(a: float | None, b: float | None) -> bool:
    return a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


def _value(answers: list[dict], measure: str, indicator: str | None = None) -> float | None:
    for a in answers:
        if a["measure"] == measure and (indicator is None or a["indicator"] == indicator):
            return a["value"]
    return None


def check(con: duckdb.DuckDBPyConnection, e: ask_db.Expect, want: R, got: ask.Answer) -> list[str]:
    """What is wrong with an answer for the reading ``want`` (empty: read exactly, every value right)."""
    r = got.reading
    if r is None or got.refusal or got.question_back:
        return [f"not answered: {got.refusal or got.question_back}"]
    d = r.as_dict()
    seen = (tuple(d["indicators"]), d["township"], d["period"], d["measure"], d["comparison"] or "",
            d["ranking"] or "", d["target"] or "", d["among"] or "")
    expected = (want.inds, want.town, want.period, want.measure, want.comparison, want.ranking, want.target,
                want.among)
    if seen != expected:
        return [f"read as {seen}, expected {expected}"]
    start, end = _span(want.period)
    answers = [dict(a) for a in got.answers]
    wrong: list[str] = []

    def expect(label: str, value: float | None, figure: float | None) -> None:
        if not _close(value, figure):
            wrong.append(f"{label}: {value} != expected {figure}")

    if want.target:
        code = want.inds[0]
        actual, goal = e.target(code, want.town, end)
        expect("progress", _value(answers, "target_actual"), actual)
        expect("target", _value(answers, "target"), goal)
        expect("rate", _value(answers, "target_rate"), actual / goal)
    elif want.ranking:
        code = want.inds[0]
        towns = e.by_town(code, start, end)
        if want.among:  # 哪个街道: the 街道 only
            of_type = {t for (t,) in con.execute("SELECT name FROM township WHERE type = ?", [want.among]).fetchall()}
            towns = {t: v for t, v in towns.items() if t in of_type}
        listed = [(a["township"], a["value"]) for a in answers]
        if want.ranking == "rank":
            mine = towns[want.town]
            expect("rank", float(listed[0][1]), mine)
            assert listed[0][0] == want.town
            rank = 1 + sum(v > mine for v in towns.values())
            if _value(answers, f"rank:{rank}") is None:
                wrong.append(f"rank {[a['measure'] for a in answers]} != {rank}")
        else:
            side, _, n = want.ranking.partition(":")
            order = sorted(towns.values(), reverse=side == "top")[: int(n)]
            for (town, value), figure in zip(listed, order, strict=True):
                expect(f"rank of {town}", value, figure)
                expect(f"{town}'s own", value, towns[town])
    elif want.measure in ("per_person", "per_household"):
        num = want.inds[0]
        den = (PER if want.measure == "per_person" else PER_HOUSEHOLD)[num]
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        total, count = e.value(num, want.town, start, end), e.value(den, want.town, start, end)
        per = total / count if e.kind[den] == "flow" else total / months / count
        expect("per", answers[0]["value"], per)
    elif want.measure == "monthly_average":
        expect("average", answers[0]["value"], e.monthly_average(want.inds[0], want.town, start, end))
    else:
        for code in want.inds:
            expect(code, _value(answers, "value", code), e.value(code, want.town, start, end))
        if set(want.inds) in PAIRS:
            expect("sum", _value(answers, "sum"), sum(e.value(c, want.town, start, end) for c in want.inds))
        elif _value(answers, "sum") is not None:
            wrong.append(f"{want.inds} added up")
        if want.comparison:
            step = 12 if want.comparison == "yoy" else 3 if (start, end) != (start, start) and \
                want.period.count("/") and end.month - start.month == 2 else 1
            base = (add_months(start, -step), add_months(end, -step))
            for code in want.inds:
                expect(f"{want.comparison} change of {code}", _value(answers, f"{want.comparison}_change", code),
                       e.change(code, want.town, (start, end), base))
    return wrong


def test_the_question_set(con: duckdb.DuckDBPyConnection) -> None:
    e = ask_db.Expect(con)
    vocab = ask.Vocabulary(con)
    exact, backs, refusals, missed, wrong = 0, 0, 0, [], []
    for question, want in QUESTIONS:
        got = ask.ask(con, question, today=ask_db.TODAY, audit=False)
        if got.question_back:
            backs += 1
        if got.refusal:
            refusals += 1
        if want in (BACK, REFUSE):
            ok = (want == BACK and got.question_back is not None) or (want == REFUSE and got.refusal is not None)
            if ok:
                exact += 1
            elif not got.question_back and not got.refusal:
                wrong.append(f"{question}: answered ({got.sentence}) but must be {want}")
            else:
                missed.append(f"{question}: {got.refusal or got.question_back} (expected {want})")
            continue
        problems = check(con, e, want, got)
        if not problems:
            exact += 1
        elif got.question_back or got.refusal:
            missed.append(f"{question}: {problems}")
        else:
            wrong.append(f"{question}: {problems} — {got.sentence}")
    assert vocab.latest == ask_db.LAST
    share = exact / len(QUESTIONS)
    print(f"\n问数 question set: {len(QUESTIONS)} questions, {exact} read exactly ({share:.1%}), "
          f"{backs} asked back, {refusals} refused, {len(missed)} not read (asked back or refused), "
          f"{len(wrong)} wrong")
    for m in missed:
        print("  not read:", m)
    assert not wrong, "\n".join(wrong)
    assert len(QUESTIONS) >= 150 and sum(w in (BACK, REFUSE) for _, w in QUESTIONS) >= 20
    assert share >= 0.95, "\n".join(missed)
