"""Benchmark: validated tables of N simulated firms -> the firm-by-billing-cycle panel.

econscope's Ibis pipeline on DuckDB (``econscope.smallbiz.panel.build_panel``) against a
straightforward pandas implementation of the same definitions
(``benchmarks/pandas_panel.py``), each in a fresh process, on the same input; then a check
that both panels are equal (money to 1e-9 relative).

Input: ``econscope.smallbiz.sim.simulate.simulate`` when it is available, otherwise
:func:`generate` below (a vectorised stand-in that writes the validated tables with the
same shapes: firms entering and leaving, one or two deposit accounts, 0-2 cards, monthly
statements on fixed days or month ends, payments 18-26 days after the statement,
sometimes partial or late). ``PANEL_BENCH_FIRMS`` sets N (default 10,000) and
``PANEL_BENCH_PEER_FIRMS`` the size of the side-by-side run (default 2,000).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from benchmarks._harness import measure
from econscope.config import DEFAULT_INDUSTRIES
from econscope.smallbiz.panel import build_panel

START, END = np.datetime64("2010-01-01"), np.datetime64("2023-01-31")
INDUSTRIES = DEFAULT_INDUSTRIES
OUTFLOW_CATS = np.array(
    ["payroll", "rent", "suppliers", "tax", "other_expense", "loan_payment", "owner_draw"]
)
OUTFLOW_P = np.array([0.3, 0.08, 0.3, 0.05, 0.17, 0.05, 0.05])


def _ids(prefix: str, n: int) -> np.ndarray:
    return np.char.add(prefix, np.char.zfill(np.arange(n).astype(str), 7))


def _write(folder: Path, name: str, cols: dict[str, np.ndarray | pa.Array]) -> None:
    arrays = {}
    for k, v in cols.items():
        if isinstance(v, pa.Array):
            arrays[k] = v
        elif v.dtype.kind == "M":
            arrays[k] = pa.array(v.astype("datetime64[D]"), pa.date32())
        elif v.dtype.kind in "US":
            arrays[k] = pa.array(v.astype(str), pa.string())
        else:
            arrays[k] = pa.array(v)
    pq.write_table(pa.table(arrays), folder / f"{name}.parquet")


def generate(out: str | Path, firms: int, seed: int = 7) -> dict[str, int]:
    """Write validated tables for ``firms`` firms over 2010-01..2023-01 into ``out``."""
    rng = np.random.default_rng(seed)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    span = int((END - START).astype(int))
    n = firms
    firm_ids = _ids("F", n)
    born = np.where(rng.random(n) < 0.5, 0, rng.integers(0, int(span * 0.7), n))
    dies = np.where(rng.random(n) < 0.7, span, born + rng.integers(400, span, n)).clip(max=span)
    industry = np.array(INDUSTRIES)[rng.integers(0, len(INDUSTRIES), n)]
    _write(
        out,
        "firms",
        {
            "firm_id": firm_ids,
            "industry": industry,
            "region": pa.nulls(n, pa.string()),
            "first_seen": START + born,
        },
    )

    # deposit accounts: one per firm, a second for 15%
    two = rng.random(n) < 0.15
    a_firm = np.concatenate([np.arange(n), np.flatnonzero(two)])
    a_open = np.concatenate([born, born[two] + rng.integers(0, 300, two.sum())])
    a_open = np.minimum(a_open, dies[a_firm])
    a_close_day = dies[a_firm]
    closed = a_close_day < span
    na = len(a_firm)
    account_ids = _ids("A", na)
    scale = rng.lognormal(7.0, 0.8, n)  # typical transaction size per firm
    opening = rng.lognormal(9.0, 1.0, na) * (rng.random(na) < 0.9)
    _write(
        out,
        "deposit_accounts",
        {
            "account_id": account_ids,
            "firm_id": firm_ids[a_firm],
            "open_date": START + a_open,
            "close_date": pa.array(
                np.where(closed, START + a_close_day, START), pa.date32(), mask=~closed
            ),
            "opening_balance": opening,
        },
    )

    # deposit transactions: ~1 a day per account while it is open
    rate = rng.uniform(0.6, 1.4, na)
    days_open = a_close_day - a_open + 1
    counts = rng.poisson(rate * days_open)
    acct = np.repeat(np.arange(na), counts)
    day = a_open[acct] + (rng.random(len(acct)) * days_open[acct]).astype(np.int64)
    fs = scale[a_firm[acct]]
    inflow = rng.random(len(acct)) < 0.45
    cat = np.where(
        inflow,
        np.where(rng.random(len(acct)) < 0.9, "sales", "other_income"),
        OUTFLOW_CATS[rng.choice(len(OUTFLOW_CATS), len(acct), p=OUTFLOW_P)],
    )
    own = rng.random(len(acct)) < 0.02
    cat = np.where(own, "transfer_own", cat)
    size = rng.lognormal(0.0, 0.7, len(acct)) * fs
    amount = np.round(np.where(inflow, size * 1.2, -size * 0.96), 2)
    _write(
        out,
        "deposit_transactions",
        {
            "account_id": account_ids[acct],
            "posted_date": START + day,
            "amount": amount,
            "category": cat,
        },
    )

    # cards: 0 (4%), 1 (88%) or 2 (8%) per firm
    k = rng.choice(3, n, p=[0.04, 0.88, 0.08])
    c_firm = np.repeat(np.arange(n), k)
    nc = len(c_firm)
    card_ids = _ids("C", nc)
    c_open = np.minimum(born[c_firm] + rng.integers(0, 200, nc), dies[c_firm])
    c_close = dies[c_firm]
    cclosed = c_close < span
    _write(
        out,
        "card_accounts",
        {
            "card_id": card_ids,
            "firm_id": firm_ids[c_firm],
            "open_date": START + c_open,
            "close_date": pa.array(
                np.where(cclosed, START + c_close, START), pa.date32(), mask=~cclosed
            ),
            "credit_limit": rng.choice([5e3, 1e4, 2.5e4, 5e4], nc),
        },
    )

    # statements: monthly on a fixed day (1-28) or on the month's last day
    m_open = (START + c_open).astype("datetime64[M]")
    m_close = (START + c_close).astype("datetime64[M]")
    months = (m_close - m_open).astype(int) + 1
    card = np.repeat(np.arange(nc), months)
    month = m_open[card] + (np.arange(len(card)) - np.repeat(np.cumsum(months) - months, months))
    dom = rng.integers(1, 29, nc)
    month_end = rng.random(nc) < 0.2
    sdate = np.where(
        month_end[card],
        (month + 1).astype("datetime64[D]") - 1,
        month.astype("datetime64[D]") + (dom[card] - 1),
    )
    inside = (sdate >= START + c_open[card]) & (sdate <= START + c_close[card])
    card, sdate = card[inside], sdate[inside]
    ns = len(card)
    spend = rng.lognormal(7.5, 1.0, ns) * (rng.random(ns) > 0.1)
    balance = np.round(np.where(rng.random(ns) < 0.01, -rng.uniform(1, 50, ns), spend), 2)
    _write(
        out,
        "card_statements",
        {"card_id": card_ids[card], "statement_date": sdate, "statement_balance": balance},
    )

    # payments 18-26 days after the statement (5% late: 27-29 days); partial for revolvers
    propensity = rng.beta(0.6, 1.2, nc)
    revolve = rng.random(ns) < propensity[card]
    pay = np.round(np.where(revolve, balance * rng.uniform(0.05, 0.9, ns), balance), 2)
    late = rng.random(ns) < 0.05
    lag = np.where(late, rng.integers(27, 30, ns), rng.integers(18, 27, ns))
    paid = pay > 0
    p_card, p_day, p_amt = card[paid], (sdate + lag)[paid], pay[paid]
    # purchases: three per cycle, before the statement
    pur_card = np.repeat(card, 3)
    pur_day = np.repeat(sdate, 3) - rng.integers(0, 28, 3 * ns)
    pur_amt = np.round(np.repeat(np.maximum(spend, 0.0), 3) / 3, 2)
    ref = rng.random(ns) < 0.03
    kinds = np.concatenate(
        [np.full(len(p_card), "payment"), np.full(3 * ns, "purchase"), np.full(ref.sum(), "refund")]
    )
    c_card = np.concatenate([p_card, pur_card, card[ref]])
    c_day = np.concatenate([p_day, pur_day, sdate[ref] + rng.integers(1, 20, ref.sum())])
    c_amt = np.concatenate([p_amt, pur_amt, np.round(rng.uniform(5, 200, ref.sum()), 2)])
    ok = (c_day >= START + c_open[c_card]) & (c_day <= START + c_close[c_card])
    _write(
        out,
        "card_transactions",
        {
            "card_id": card_ids[c_card[ok]],
            "posted_date": c_day[ok],
            "amount": c_amt[ok],
            "kind": kinds[ok],
        },
    )
    return {
        "firms": n,
        "deposit_transactions": len(acct),
        "card_statements": ns,
        "card_transactions": int(ok.sum()),
    }


def make_input(out: str | Path, firms: int, seed: int = 7) -> str:
    """Validated tables for the benchmark: a simulated bank, validated. Returns the source."""
    from econscope.smallbiz.sim.simulate import simulate
    from econscope.smallbiz.validation import validate

    raw = Path(out).parent / "raw"
    simulate(raw, firms=firms, seed=seed, progress=False)
    validate(raw, out)
    return "econscope.smallbiz.sim.simulate.simulate, then validate"


def econscope_build(validated_dir: str, out_dir: str) -> dict[str, int]:
    """Benchmark entry: econscope's stage on DuckDB (all cores). Imported at module level,
    like the reference's pandas, so that neither timing includes importing libraries."""
    return build_panel(validated_dir, out_dir).rows


def compare(ours: str, reference: str) -> str:
    """Check the two panels are equal; return a one-line verdict (raises when not)."""
    import pandas as pd

    a = pd.read_parquet(Path(ours) / "panel.parquet")
    b = pd.read_parquet(Path(reference) / "panel.parquet")
    key = ["firm_id", "card_id", "statement_date"]
    a = a.sort_values(key).reset_index(drop=True)
    b = b.sort_values(key).reset_index(drop=True)
    if list(a.columns) != list(b.columns) or len(a) != len(b):
        raise AssertionError(f"shapes differ: {a.shape} vs {b.shape}")
    worst = 0.0
    for c in a.columns:
        x, y = a[c], b[c]
        if x.dtype.kind == "f" or y.dtype.kind == "f":
            xv, yv = x.astype("float64").to_numpy(), y.astype("float64").to_numpy()
            if not np.array_equal(np.isnan(xv), np.isnan(yv)):
                raise AssertionError(f"{c}: missing values differ")
            m = ~np.isnan(xv)
            rel = np.abs(xv[m] - yv[m]) / np.maximum(1.0, np.abs(yv[m]))
            if rel.size and rel.max() > 1e-9:
                raise AssertionError(f"{c}: differs by {rel.max():.2e}")
            worst = max(worst, float(rel.max()) if rel.size else 0.0)
        elif not x.astype(str).equals(y.astype(str)):
            raise AssertionError(f"{c}: values differ")
    return f"equal: {len(a):,} rows, largest money difference {worst:.1e} (relative, floor $1)"


def _input_rows(data: Path) -> dict[str, int]:
    return {
        t: pq.ParquetFile(data / f"{t}.parquet").metadata.num_rows
        for t in (
            "deposit_transactions",
            "deposit_balances",
            "card_statements",
            "card_transactions",
        )
        if (data / f"{t}.parquet").exists()
    }


def run() -> str:
    """Ours at N firms (default 10,000); ours and the pandas reference side by side at
    M firms (default 2,000: the reference's dense firm x day grid needs about 3 GiB per
    1,000 firms, so it cannot run at 10,000 on this machine), with the equality check."""
    firms = int(os.environ.get("PANEL_BENCH_FIRMS", "10000"))
    peer_firms = int(os.environ.get("PANEL_BENCH_PEER_FIRMS", "2000"))
    work = Path(tempfile.mkdtemp(prefix="bench_panel_"))
    lines = ["## Panel: validated tables -> firm-by-billing-cycle panel", ""]
    try:
        big, small = work / "big" / "validated", work / "small" / "validated"
        # Inputs are made in child processes: Linux carries a parent's peak RSS into the
        # children it forks, which would inflate every measurement below.
        source = measure(
            "input", "benchmarks.bench_panel", "make_input", out=str(big), firms=firms
        ).value
        measure(
            "input",
            "benchmarks.bench_panel",
            "make_input",
            out=str(small),
            firms=peer_firms,
            seed=11,
        )
        ours_big = measure(
            "econscope (Ibis on DuckDB)",
            "benchmarks.bench_panel",
            "econscope_build",
            validated_dir=str(big),
            out_dir=str(work / "big" / "ours"),
        )
        ours = measure(
            "econscope (Ibis on DuckDB)",
            "benchmarks.bench_panel",
            "econscope_build",
            validated_dir=str(small),
            out_dir=str(work / "small" / "ours"),
        )
        ref = measure(
            "pandas reference (benchmarks/pandas_panel.py)",
            "tests.reference.pandas_panel",
            "build",
            validated_dir=str(small),
            out_dir=str(work / "small" / "ref"),
        )
        verdict = compare(str(work / "small" / "ours"), str(work / "small" / "ref"))
        rows_big, rows_small = _input_rows(big), _input_rows(small)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    def describe(n: int, rows: dict[str, int]) -> str:
        return f"{n:,} firms, 2010-01..2023-01: " + ", ".join(f"{v:,} {k}" for k, v in rows.items())

    lines += [
        f"Input from {source}.",
        "",
        f"**At scale.** {describe(firms, rows_big)}; panel of {ours_big.value['panel']:,} "
        "firm-cycles. Target: under 120 s and 8 GB.",
        "",
        "| implementation | wall s | peak MiB |",
        "| --- | ---: | ---: |",
        ours_big.row(),
        "",
        f"**Against the pandas reference.** {describe(peer_firms, rows_small)}; both panels "
        f"checked: {verdict}.",
        "",
        "| implementation | wall s | peak MiB |",
        "| --- | ---: | ---: |",
        ours.row(),
        ref.row(),
        "",
        f"Speed-up: {ref.seconds / ours.seconds:.1f}x (target: at least 10x).",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(run())
