"""A straightforward pandas implementation of the panel's definitions (the reference).

Written the way an analyst would in a notebook: every deposit account expanded to one row
per calendar day (reindex + forward fill), summed per firm, cycles found with
``merge_asof``, trailing windows with ``rolling``. It follows docs/panel.md definition by
definition, independently of econscope's Ibis pipeline, so the two can check each other
(``tests/test_panel_reference.py``) and race each other (``benchmarks/bench_panel.py``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from econscope.config import Settings
from econscope.smallbiz.method.panel import MONEY_COLUMNS, PANEL_COLUMNS
from econscope.smallbiz.method.prices import deflators
from econscope.smallbiz.method.size import FIRM_YEAR_COLUMNS

EPOCH = np.datetime64("1970-01-01", "D")
TABLES = (
    "firms",
    "deposit_accounts",
    "deposit_transactions",
    "deposit_balances",
    "card_accounts",
    "card_statements",
    "card_transactions",
)


def _day(s: pd.Series) -> pd.Series:
    days = (pd.to_datetime(s).to_numpy().astype("datetime64[D]") - EPOCH).astype("int64")
    return pd.Series(days, index=s.index)


def _date(day: pd.Series | np.ndarray) -> pd.Series:
    return pd.Series((EPOCH + np.asarray(day).astype("timedelta64[D]")).astype("datetime64[s]"))


def read_tables(folder: str | Path) -> dict[str, pd.DataFrame]:
    """Every validated table present in ``folder`` as a pandas DataFrame."""
    folder = Path(folder)
    return {
        name: pd.read_parquet(folder / f"{name}.parquet")
        for name in TABLES
        if (folder / f"{name}.parquet").exists()
    }


def reference_panel(
    tables: dict[str, pd.DataFrame], settings: Settings | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(panel, firm_years, funnel) as pandas DataFrames, from pandas tables."""
    settings = settings or Settings()
    cats = settings.categories
    acc = tables["deposit_accounts"].copy()
    acc["open_day"] = _day(acc.open_date)
    acc["close_day"] = np.where(
        acc.close_date.isna(), np.iinfo("int64").max, _day(acc.close_date.fillna(acc.open_date))
    )
    acc["opening"] = acc.opening_balance.astype("float64").fillna(0.0)
    tx = tables["deposit_transactions"].merge(acc[["account_id", "firm_id"]], on="account_id")
    tx["day"] = _day(tx.posted_date)
    amt = tx.amount.astype("float64")
    counted = ~tx.category.isin(cats.excluded_categories)
    tx["revenues"] = np.where(tx.category.isin(cats.revenue_categories), amt, 0.0)
    tx["expenses"] = np.where(tx.category.isin(cats.expense_categories), -amt, 0.0)
    in_net = counted
    if settings.flows.net_cash_flow_excludes_card_payments:
        in_net = counted & ~tx.category.isin(cats.categories_in("card_payment"))
    tx["net_cash_flow"] = np.where(in_net, amt, 0.0)
    tx["total_outflows"] = np.where(counted & (amt < 0), -amt, 0.0)
    tx["n_transactions"] = counted.astype("int64")
    tx["n_outflows"] = (counted & (amt < 0)).astype("int64")

    st = tables["card_statements"].merge(
        tables["card_accounts"][["card_id", "firm_id", "open_date"]], on="card_id"
    )
    st["statement_day"] = _day(st.statement_date)
    end_day = int(max(st.statement_day.max(), tx.day.max()))

    # --- daily balances: every account x calendar day, then summed per firm -------------
    lengths = (end_day - acc.open_day + 1).clip(lower=0).to_numpy()
    grid = pd.DataFrame(
        {
            "account_id": np.repeat(acc.account_id.to_numpy(), lengths),
            "day": np.concatenate([np.arange(o, end_day + 1) for o in acc.open_day]),
        }
    )
    grid = grid.merge(acc[["account_id", "firm_id", "opening", "close_day"]], on="account_id")
    tx_day = tx.groupby(["account_id", "day"], as_index=False).amount.sum()
    grid = grid.merge(tx_day, on=["account_id", "day"], how="left")
    grid["amount"] = grid.amount.fillna(0.0)
    grid = grid.sort_values(["account_id", "day"], kind="stable")
    grid["balance"] = grid.opening + grid.groupby("account_id").amount.cumsum()
    bal = tables.get("deposit_balances")
    if bal is not None and len(bal):
        b = bal.assign(day=_day(bal.date))[["account_id", "day", "balance"]]
        b = b.rename(columns={"balance": "reported"})
        grid = grid.merge(b, on=["account_id", "day"], how="left")
        has_rows = grid.account_id.isin(set(b.account_id))
        filled = grid.groupby("account_id").reported.ffill().fillna(grid.opening)
        grid["balance"] = np.where(has_rows, filled, grid.balance)
    grid.loc[grid.day > grid.close_day, "balance"] = 0.0
    firm_day = grid.groupby(["firm_id", "day"], as_index=False).balance.sum()
    flows_day = tx.groupby(["firm_id", "day"], as_index=False)[
        ["revenues", "expenses", "net_cash_flow", "total_outflows", "n_transactions", "n_outflows"]
    ].sum()
    firm_day = firm_day.merge(flows_day, on=["firm_id", "day"], how="left").fillna(0)
    firm_day = firm_day.sort_values(["firm_id", "day"], kind="stable").reset_index(drop=True)
    spans = acc.groupby("firm_id").open_day.min().rename("data_start").to_frame()
    last = tx.groupby("firm_id").day.max()
    if bal is not None and len(bal):
        bl = bal.merge(acc[["account_id", "firm_id"]], on="account_id")
        last = pd.concat([last, _day(bl.date).groupby(bl.firm_id).max()]).groupby(level=0).max()
    spans["data_last"] = np.maximum(spans.data_start, last.reindex(spans.index).fillna(-1))
    spans = spans.reset_index()

    # --- sample --------------------------------------------------------------------------
    sc = settings.sample
    firms = tables["firms"][["firm_id", "industry"]].drop_duplicates("firm_id")
    n_cards = tables["card_accounts"].groupby("firm_id").card_id.nunique()
    per = st.groupby("firm_id").statement_day.agg(["count", "min", "max"])
    f = firms[["firm_id"]].merge(spans, on="firm_id", how="left").set_index("firm_id")
    f["n_cards"] = n_cards.reindex(f.index).fillna(0).astype("int64")
    f["n_statements"] = per["count"].reindex(f.index).fillna(0).astype("int64")

    def ym(day: pd.Series) -> pd.Series:
        d = _date(day.to_numpy())
        return pd.Series(
            (d.dt.year * 12 + d.dt.month - 1).to_numpy(), index=day.index, dtype="float64"
        )

    f["lo"] = ym(per["min"].reindex(f.index).fillna(f.data_start))
    f["hi"] = ym(per["max"].reindex(f.index).fillna(f.data_last))
    tx["ym"] = ym(tx.day)
    monthly = tx.groupby(["firm_id", "ym"]).agg(
        n=("n_transactions", "sum"), out=("total_outflows", "sum")
    )
    monthly = monthly.reset_index().merge(f[["lo", "hi"]].reset_index(), on="firm_id")
    good = monthly[
        (monthly.ym >= monthly.lo)
        & (monthly.ym <= monthly.hi)
        & (monthly.n >= sc.min_monthly_transactions)
        & (monthly.out >= sc.min_monthly_outflows)
    ]
    f["good"] = good.groupby("firm_id").size().reindex(f.index).fillna(0)
    f["active"] = (f.good == f.hi - f.lo + 1) & f.lo.notna()
    if sc.min_monthly_transactions <= 0 and sc.min_monthly_outflows <= 0:
        f["active"] = f.lo.notna()
    revenue = tx.groupby("firm_id").revenues.sum().reindex(f.index).fillna(0.0)
    f["small"] = (revenue * 365.0 / (f.data_last - f.data_start + 1)) < sc.max_annual_revenue
    f["small"] = f.small.fillna(False).astype(bool)
    f["one_card"] = f.n_cards == sc.cards_per_firm
    keep = pd.Series(True, index=f.index)
    rows = []
    for step, name in enumerate(("active", "small", "one_card"), start=1):
        after = keep & f[name]
        rows.append(
            {
                "step": step,
                "filter": name,
                "firms_before": int(keep.sum()),
                "firms_after": int(after.sum()),
                "rows_before": int(f.n_statements[keep].sum()),
                "rows_after": int(f.n_statements[after].sum()),
            }
        )
        keep = after
    funnel = pd.DataFrame(rows)
    funnel["firms_dropped"] = funnel.firms_before - funnel.firms_after
    funnel["rows_dropped"] = funnel.rows_before - funnel.rows_after
    sample = set(f.index[keep])

    # --- cycles and Box 1 ---------------------------------------------------------------
    st = st[st.firm_id.isin(sample)].sort_values(["card_id", "statement_day"]).copy()
    st["prev_day"] = st.groupby("card_id").statement_day.shift(1)
    st["next_day"] = st.groupby("card_id").statement_day.shift(-1)
    month_before = _day((pd.to_datetime(st.statement_date) - pd.DateOffset(months=1)).dt.date)
    first_start = pd.Series(
        np.maximum(_day(st.open_date).to_numpy(), month_before.to_numpy() + 1), index=st.index
    )
    st["start_day"] = st.prev_day.add(1).fillna(first_start).astype("int64")
    ct = tables["card_transactions"]
    ct = ct[ct.kind.isin(settings.cycles.credit_kinds)].copy()
    ct["day"] = _day(ct.posted_date)
    ct = ct.sort_values("day")
    closing = pd.merge_asof(
        ct[["card_id", "day", "amount"]],
        st[["card_id", "statement_day"]].sort_values("statement_day"),
        left_on="day",
        right_on="statement_day",
        by="card_id",
        direction="forward",
    ).dropna(subset=["statement_day"])
    credits = closing.groupby(["card_id", "statement_day"]).amount.sum()
    key = pd.MultiIndex.from_arrays([st.card_id, st.next_day])
    paid = credits.reindex(key).fillna(0.0).to_numpy()
    known = st.next_day.notna().to_numpy()
    b = st.statement_balance.astype("float64").to_numpy()
    st["credits_next_cycle"] = np.where(known, paid, np.nan)
    rev = (b > 0) & (paid < b)
    st["revolving"] = pd.array(rev, dtype="boolean")
    st.loc[~known, "revolving"] = pd.NA
    st["revolving_balance"] = np.where(known, np.where(rev, b - paid, 0.0), np.nan)

    # --- flows, ADB and buffers from the daily firm grid --------------------------------
    fd = firm_day[firm_day.firm_id.isin(sample)].merge(spans, on="firm_id")
    fd = fd[fd.day >= fd.data_start]
    first = st.groupby(["card_id", "firm_id"], as_index=False).start_day.min()
    g = fd.merge(first, on="firm_id")
    g = g[g.day >= g.start_day].drop(columns="start_day").sort_values("day")
    g = pd.merge_asof(
        g,
        st[["card_id", "statement_day"]].sort_values("statement_day"),
        left_on="day",
        right_on="statement_day",
        by="card_id",
        direction="forward",
    ).dropna(subset=["statement_day"])
    g["statement_day"] = g.statement_day.astype("int64")
    g = g.merge(st[["card_id", "statement_day", "start_day"]], on=["card_id", "statement_day"])
    flows = g.groupby(["card_id", "statement_day"]).agg(
        revenues=("revenues", "sum"),
        expenses=("expenses", "sum"),
        net_cash_flow=("net_cash_flow", "sum"),
        total_outflows=("total_outflows", "sum"),
        n_transactions=("n_transactions", "sum"),
        adb=("balance", "mean"),
    )
    in_cycle = g[g.day >= g.start_day].groupby(["card_id", "statement_day"]).balance.mean()
    flows["adb"] = in_cycle.reindex(flows.index)
    w = settings.buffer.window_days
    fd = fd.sort_values(["firm_id", "day"])
    roll = fd.groupby("firm_id")[["balance", "total_outflows", "n_outflows", "day"]].rolling(
        w, min_periods=1
    )
    sums = roll.sum()
    fd["bal_w"] = sums.balance.to_numpy()
    fd["out_w"] = sums.total_outflows.to_numpy()
    fd["nout_w"] = sums.n_outflows.to_numpy()
    fd["days_w"] = roll.day.count().to_numpy()
    at = st[["card_id", "firm_id", "statement_day"]].merge(
        fd[["firm_id", "day", "bal_w", "out_w", "nout_w", "days_w"]],
        left_on=["firm_id", "statement_day"],
        right_on=["firm_id", "day"],
        how="left",
    )
    ok = (at.days_w >= settings.buffer.min_history_days) & (at.nout_w > 0) & (at.out_w > 0)
    at["cash_buffer_days"] = np.where(ok, at.bal_w / at.out_w.where(ok, 1.0), np.nan)
    at["avg_daily_outflows"] = np.where(ok, at.out_w / at.days_w.where(ok, 1.0), np.nan)

    p = st.merge(flows.reset_index(), on=["card_id", "statement_day"], how="left")
    p = p.merge(
        at[["card_id", "statement_day", "cash_buffer_days", "avg_daily_outflows"]],
        on=["card_id", "statement_day"],
    )
    for c in ("revenues", "expenses", "net_cash_flow", "total_outflows"):
        p[c] = p[c].fillna(0.0)
    p["n_transactions"] = p.n_transactions.fillna(0).astype("int64")
    p["statement_date"] = _date(p.statement_day).to_numpy()
    p["cycle_start"] = _date(p.start_day).to_numpy()
    p["cycle_end"] = p.statement_date
    p["year"] = p.statement_date.dt.year.astype("int64")
    p["month"] = p.statement_date.dt.month.astype("int64")

    # --- firm-years, size, industry, prices ---------------------------------------------
    tx_s = tx[tx.firm_id.isin(sample) & (tx.n_transactions > 0)]
    fy = (
        tx_s.assign(year=_date(tx_s.day).dt.year.to_numpy())
        .groupby(["firm_id", "year"], as_index=False)
        .revenues.sum()
        .rename(columns={"revenues": "revenue"})
        .merge(spans, on="firm_id")
    )
    jan1 = _day(pd.to_datetime(fy.year.astype(str) + "-01-01"))
    next_jan1 = _day(pd.to_datetime((fy.year + 1).astype(str) + "-01-01"))
    fy["days_with_data"] = (
        np.minimum(next_jan1 - 1, fy.data_last) - np.maximum(jan1, fy.data_start) + 1
    ).astype("int64")
    fy["days_in_year"] = (next_jan1 - jan1).astype("int64")
    fy = fy[fy.days_with_data > 0].copy()
    scale = fy.days_in_year / fy.days_with_data if settings.size.annualize_partial_years else 1.0
    fy["annual_revenue"] = fy.revenue * scale
    ind = firms.set_index("firm_id").industry
    ind = ind.where(ind.isin(settings.industries), "unknown").fillna("unknown")
    fy["industry"] = fy.firm_id.map(ind)
    fy["size_class"] = np.where(
        fy.annual_revenue > settings.size.large_revenue_threshold, "large", "small"
    )
    annual = deflators(settings, monthly=False).set_index("year").factor
    fy["annual_revenue_real"] = fy.annual_revenue * fy.year.map(annual)
    fy = fy[list(FIRM_YEAR_COLUMNS)]

    p["industry"] = p.firm_id.map(ind)
    p = p.merge(
        fy[["firm_id", "year", "annual_revenue", "size_class"]], on=["firm_id", "year"], how="left"
    )
    if settings.prices.cpi_monthly_file is not None:
        m = deflators(settings).set_index(["year", "month"]).factor
        factor = m.reindex(pd.MultiIndex.from_arrays([p.year, p.month])).to_numpy()
    else:
        factor = p.year.map(annual).to_numpy()
    for c in MONEY_COLUMNS:
        p[f"{c}_real"] = p[c] * factor
    p = p[list(PANEL_COLUMNS)].sort_values(["firm_id", "card_id", "statement_date"])
    return (
        p.reset_index(drop=True),
        fy.sort_values(["firm_id", "year"]).reset_index(drop=True),
        funnel,
    )


def build(validated_dir: str, out_dir: str) -> dict[str, int]:
    """Benchmark entry: read a validated folder, build the panel in pandas, write Parquet."""
    panel, fy, _ = reference_panel(read_tables(validated_dir))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    panel.to_parquet(out / "panel.parquet", index=False)
    fy.to_parquet(out / "firm_years.parquet", index=False)
    return {"panel": len(panel), "firm_years": len(fy)}
