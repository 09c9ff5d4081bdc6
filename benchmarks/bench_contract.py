"""Benchmark: validating the smallbiz input contract (``econscope smallbiz validate``).

Synthetic inputs: 10,000 firms, each with one deposit account and one card, 150 card
statements per card, and N deposit transactions plus N/2 card transactions (CSV text, as
an export arrives), about 1% of them faulty (unknown category or kind, dates before the
account opened). econscope validates all seven tables (casts, every rule, quarantine,
Parquet outputs). The peer is pandas doing the same rules for the two transaction tables
only (read as text, cast, check, join to the accounts, split), the part a pandas user
would write by hand.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np

from benchmarks._harness import measure

FIRMS = 10_000
SIZES = (1_000_000, 5_000_000)


def make_inputs(folder: str, transactions: int, seed: int = 1) -> str:
    """Write the synthetic inputs as CSV into ``folder``; returns the folder."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    fid = np.array([f"F{i}" for i in range(FIRMS)])
    aid = np.array([f"A{i}" for i in range(FIRMS)])
    cid = np.array([f"C{i}" for i in range(FIRMS)])
    start = np.datetime64("2010-01-01")

    def write(name: str, columns: dict[str, object]) -> None:
        pacsv.write_csv(pa.table(columns), out / f"{name}.csv")

    opened = np.full(FIRMS, start).astype(str)
    write("firms", {"firm_id": fid, "industry": np.full(FIRMS, "retail")})
    write("deposit_accounts", {"account_id": aid, "firm_id": fid, "open_date": opened})
    write("card_accounts", {"card_id": cid, "firm_id": fid, "open_date": opened})
    n_stmt = 150
    write(
        "card_statements",
        {
            "card_id": np.repeat(cid, n_stmt),
            "statement_date": np.tile(start + np.arange(n_stmt) * 30, FIRMS).astype(str),
            "statement_balance": rng.normal(1000, 500, FIRMS * n_stmt).round(2),
        },
    )
    cats = np.array(["sales", "rent", "payroll", "card_payment", "suppliers"] * 20 + ["lottery"])
    days = rng.integers(-3, 4700, transactions)  # about 1 in 1,570 before the account opened
    write(
        "deposit_transactions",
        {
            "account_id": aid[rng.integers(0, FIRMS, transactions)],
            "posted_date": (start + days).astype(str),
            "amount": rng.normal(0, 1000, transactions).round(2),
            "category": cats[rng.integers(0, len(cats), transactions)],
        },
    )
    m = transactions // 2
    kinds = np.array(["purchase", "payment", "fee"] * 33 + ["gift"])
    write(
        "card_transactions",
        {
            "card_id": cid[rng.integers(0, FIRMS, m)],
            "posted_date": (start + rng.integers(0, 4700, m)).astype(str),
            "amount": rng.exponential(100, m).round(2),
            "kind": kinds[rng.integers(0, len(kinds), m)],
        },
    )
    return folder


def econscope_validate(data: str, out: str) -> int:
    """econscope: every table, every rule; returns quarantined rows."""
    from econscope.config import Settings
    from econscope.smallbiz.validation import validate

    settings = Settings().with_overrides(["engine.threads=2"])
    return validate(data, out, settings).rows_quarantined


def pandas_validate(data: str, out: str) -> int:
    """pandas: the same rules for the two transaction tables only; returns quarantined rows."""
    import pandas as pd

    from econscope.config import CARD_KINDS, DEFAULT_CATEGORY_GROUPS

    folder, dest = Path(data), Path(out)
    dest.mkdir(parents=True, exist_ok=True)
    quarantined = 0
    for name, parent, key, label, allowed in (
        (
            "deposit_transactions",
            "deposit_accounts",
            "account_id",
            "category",
            DEFAULT_CATEGORY_GROUPS,
        ),
        ("card_transactions", "card_accounts", "card_id", "kind", CARD_KINDS),
    ):
        positive = name == "card_transactions"  # card amounts are positive magnitudes
        raw = pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)
        parents = pd.read_csv(folder / f"{parent}.csv", dtype=str)
        parents["opened"] = pd.to_datetime(parents.open_date, errors="coerce")
        day = pd.to_datetime(raw.posted_date, format="%Y-%m-%d", errors="coerce")
        amount = pd.to_numeric(raw.amount, errors="coerce")
        norm = raw[label].str.strip().str.lower()
        joined = raw[[key]].merge(parents[[key, "opened"]], on=key, how="left")
        reason = pd.Series(pd.NA, index=raw.index, dtype="string")
        rules = [
            ("missing_value", (raw[key].str.strip() == "") | (norm == "")),
            ("bad_date", day.isna()),
            ("bad_amount", amount.isna() | ~np.isfinite(amount) | (positive & (amount <= 0))),
            ("unknown_category", ~norm.isin(list(allowed))),
            ("unknown_account", joined.opened.isna().to_numpy()),
            ("outside_account_dates", (day < joined.opened).to_numpy()),
        ]
        for code, mask in rules:
            reason = reason.mask(reason.isna() & mask, code)
        bad = reason.notna()
        accepted = raw[~bad].assign(posted_date=day[~bad], amount=amount[~bad])
        accepted.to_parquet(dest / f"{name}.parquet")
        raw[bad].assign(reason=reason[bad]).to_parquet(dest / f"q_{name}.parquet")
        quarantined += int(bad.sum())
    return quarantined


def run() -> str:
    rows = [
        "| transactions (deposit + card) | tool | seconds | peak MiB |",
        "| --- | --- | ---: | ---: |",
    ]
    work = Path(tempfile.mkdtemp(prefix="bench_contract_"))
    try:
        for n in SIZES:
            data = make_inputs(str(work / f"in_{n}"), n)
            for label, fn in (
                ("econscope validate (7 tables)", "econscope_validate"),
                ("pandas (2 transaction tables)", "pandas_validate"),
            ):
                out = work / f"out_{fn}_{n}"
                m = measure(label, "benchmarks.bench_contract", fn, data=data, out=str(out))
                total = f"{n:,} + {n // 2:,}"
                rows.append(f"| {total} | {label} | {m.seconds:,.1f} | {m.peak_mib:,.0f} |")
                shutil.rmtree(out, ignore_errors=True)
            shutil.rmtree(data, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return "\n".join(
        [
            "## Input contract: validate",
            "",
            "econscope validates all seven tables of a synthetic bank (10,000 firms, 1.5M card "
            "statements, CSV text, ~1% faulty rows) into accepted Parquet tables and a "
            "quarantine; pandas does the same rules for the two transaction tables only. "
            "Each run in a fresh process; wall seconds and peak resident memory.",
            "",
            *rows,
        ]
    )


if __name__ == "__main__":
    print(run())
