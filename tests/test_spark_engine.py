"""Engine behaviour econscope relies on, on every engine: the Ibis-on-Spark gaps that
econscope's Spark backend (econscope/_spark.py) closes, checked on DuckDB too."""

from __future__ import annotations

import datetime as dt
import uuid

import ibis
import pyarrow as pa
import pytest


def test_strip_removes_whitespace_and_keeps_the_letters_v_and_f(con) -> None:
    # Expected: Python's own str.strip/lstrip/rstrip. Ibis's TRIM(' \t\n\r\v\f' FROM x)
    # reads \v and \f as the letters v and f on Spark: 'fee' became 'ee'.
    words = [" fee\t", "relief", "\x0bvivid\f ", "\n\r vf \n"]
    t = ibis.memtable(pa.table({"i": list(range(len(words))), "s": words}))
    out = con.to_pyarrow(
        t.select("i", both=t.s.strip(), left=t.s.lstrip(), right=t.s.rstrip()).order_by("i")
    ).to_pydict()
    assert out["both"] == [w.strip() for w in words]
    assert out["left"] == [w.lstrip() for w in words]
    assert out["right"] == [w.rstrip() for w in words]


def test_float_literals_are_doubles_not_decimals(con) -> None:
    # 1/3 in double is 0.333... to 16 digits; Spark's DECIMAL(2,1) division gives 0.333333.
    t = ibis.memtable({"flag": [True, False]})
    e = t.select(y=ibis.ifelse(t.flag, 1.0, 0.0) / 3.0).y.sum()
    assert con.execute(e) == pytest.approx(1 / 3, rel=1e-15, abs=0)


def test_infinite_values_are_found_as_infinite(con) -> None:
    # Python's float("inf") is infinite, NaN and 1.5 are not (math.isinf).
    t = ibis.memtable(pa.table({"i": [0, 1, 2, 3], "s": ["inf", "-inf", "1.5", "NaN"]}))
    v = t.s.cast("float64")
    out = con.to_pyarrow(t.select("i", inf=v.isinf()).order_by("i")).to_pydict()
    assert out["inf"] == [True, True, False, False]


def test_a_cached_join_with_an_in_memory_table_runs(con) -> None:
    # The price-index factors are an in-memory table joined into cached panel steps.
    facts = ibis.memtable(pa.table({"year": [2021, 2022], "factor": [1.08, 1.0]}))
    data = ibis.memtable(pa.table({"year": [2021, 2022, 2022], "x": [100.0, 50.0, 25.0]}))
    # temp: no managed table (Spark would write one under ./spark-warehouse)
    on_engine = con.create_table(
        f"cached_join_{uuid.uuid4().hex[:8]}", data.to_pyarrow(), temp=True
    )
    joined = on_engine.join(facts, "year").mutate(real=lambda t: t.x * t.factor).cache()
    # 100 x 1.08 + 50 x 1.0 + 25 x 1.0 = 183
    assert con.execute(joined.real.sum()) == pytest.approx(183.0, rel=1e-15)


def test_dates_come_back_as_calendar_dates(con) -> None:
    t = ibis.memtable(pa.table({"d": [dt.date(2020, 2, 29), dt.date(2023, 1, 1)]}))
    out = con.to_pyarrow(t.order_by("d"))
    assert out.schema.field("d").type == pa.date32()
    assert out.column("d").to_pylist() == [dt.date(2020, 2, 29), dt.date(2023, 1, 1)]
