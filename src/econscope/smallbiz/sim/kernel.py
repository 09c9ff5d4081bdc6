"""The synthetic bank's model for one chunk of firms, vectorised over firms and cards.

One loop over the months of the window carries vector state (cash, revenue shocks, card
balances, the last payment decision); every other step is a NumPy operation over the
chunk's firms, cards or transactions. Money is integer cents throughout, so the written
tables satisfy their accounting identities exactly:

- statement balance = previous balance + purchases + fees + interest + cash advances
  - payments - refunds posted in (previous statement, statement];
- end-of-day deposit balance = opening balance + transactions up to that day;
- each card payment is a card credit and a deposit outflow (card_payment) on the same day.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from econscope.config import CARD_KINDS
from econscope.smallbiz.sim import ids
from econscope.smallbiz.sim.calibration import Calibration
from econscope.smallbiz.sim.grid import Grid

CATEGORIES: tuple[str, ...] = (
    "sales",
    "other_income",
    "loan_proceeds",
    "owner_injection",
    "relief",
    "transfer_own",
    "card_payment",
    "payroll",
    "rent",
    "suppliers",
    "tax",
    "other_expense",
    "loan_payment",
    "owner_draw",
)
_CAT = {c: i for i, c in enumerate(CATEGORIES)}
_KIND = {k: i for i, k in enumerate(CARD_KINDS)}
_DAYS_PER_MONTH = 30.42  # days in a month on average (a calendar fact, not behaviour)
_MARCH_2020_FROM_JAN_2010 = 122  # months

SCHEMAS: dict[str, pa.Schema] = {
    "firms": pa.schema(
        [
            ("firm_id", pa.string()),
            ("industry", pa.string()),
            ("region", pa.string()),
            ("first_seen", pa.date32()),
        ]
    ),
    "deposit_accounts": pa.schema(
        [
            ("account_id", pa.string()),
            ("firm_id", pa.string()),
            ("open_date", pa.date32()),
            ("close_date", pa.date32()),
            ("opening_balance", pa.float64()),
        ]
    ),
    "deposit_transactions": pa.schema(
        [
            ("account_id", pa.string()),
            ("posted_date", pa.date32()),
            ("amount", pa.float64()),
            ("category", pa.string()),
        ]
    ),
    "deposit_balances": pa.schema(
        [("account_id", pa.string()), ("date", pa.date32()), ("balance", pa.float64())]
    ),
    "card_accounts": pa.schema(
        [
            ("card_id", pa.string()),
            ("firm_id", pa.string()),
            ("open_date", pa.date32()),
            ("close_date", pa.date32()),
            ("credit_limit", pa.float64()),
        ]
    ),
    "card_statements": pa.schema(
        [
            ("card_id", pa.string()),
            ("statement_date", pa.date32()),
            ("statement_balance", pa.float64()),
        ]
    ),
    "card_transactions": pa.schema(
        [
            ("card_id", pa.string()),
            ("posted_date", pa.date32()),
            ("amount", pa.float64()),
            ("kind", pa.string()),
        ]
    ),
    "truth": pa.schema(
        [
            ("card_id", pa.string()),
            ("firm_id", pa.string()),
            ("statement_date", pa.date32()),
            ("statement_balance", pa.float64()),
            ("due_date", pa.date32()),
            ("paid_by_due", pa.float64()),
            ("paid_before_next_statement", pa.float64()),
            ("paid_in_full_by_due", pa.bool_()),
            ("revolved", pa.bool_()),
            ("carried_balance", pa.float64()),
            ("late_payment", pa.bool_()),
        ]
    ),
}


@dataclass(frozen=True)
class Firms:
    """Static attributes of a chunk's firms (arrays of length n)."""

    industry: np.ndarray
    region: np.ndarray  # index into regions, -1 = null
    entry: np.ndarray  # first active month
    last: np.ndarray  # last active month
    exited: np.ndarray
    open_day: np.ndarray
    first_seen: np.ndarray
    base_rev: np.ndarray  # normal monthly revenue, dollars of the window's first month
    z_rev: np.ndarray
    target_days: np.ndarray
    alpha: np.ndarray
    growth: np.ndarray
    ratio: np.ndarray
    kappa: np.ndarray
    loan_pay: np.ndarray
    two_accounts: np.ndarray
    low_activity: np.ndarray


@dataclass(frozen=True)
class Cards:
    """Static attributes of a chunk's cards (arrays of length n_cards)."""

    firm: np.ndarray
    slot: np.ndarray
    first: np.ndarray  # month of the first statement
    last: np.ndarray  # month of the last statement
    day: np.ndarray  # statement day of month, 1..28
    grace: np.ndarray
    open_day: np.ndarray
    close_day: np.ndarray  # -1 = open
    limit: np.ndarray  # cents
    split: np.ndarray


def _industry_array(cal: Calibration, field: str) -> np.ndarray:
    values = getattr(cal, field)
    return np.array([values[k] for k in cal.industry_mix], dtype=float)


def draw_firms(rng: np.random.Generator, n: int, cal: Calibration, grid: Grid) -> Firms:
    """Industries, entry and exit, scale, buffer target and revolving propensity.

    Firms already banking at the window's start (``pre_window_share``) are simulated from
    the first month of the burn-in (``open_day`` is then the burn-in's first day; the
    written account opens on the window's first day); their life, and so their exit, is
    counted from the window's start. Entrants open inside the window.
    """
    m_total, w0 = grid.n_months, grid.window_start
    mix = np.array(list(cal.industry_mix.values()))
    industry = rng.choice(len(mix), size=n, p=mix / mix.sum())
    reg_p = np.array(list(cal.regions.values()))
    region = rng.choice(len(reg_p), size=n, p=reg_p / reg_p.sum())
    region = np.where(rng.random(n) < cal.region_missing_share, -1, region)
    pre = rng.random(n) < cal.pre_window_share
    entry = np.where(pre, 0, rng.integers(w0 + 1, max(m_total, w0 + 2), n)).clip(0, m_total - 1)
    life = cal.min_life_months + rng.geometric(max(cal.exit_hazard_monthly, 1e-12), n)
    last = np.where(pre, w0, entry) + life
    exited = last <= m_total - 1
    last = np.minimum(last, m_total - 1)
    open_day = grid.month_start[entry] + np.where(
        pre, 0, rng.integers(0, cal.entry_open_day_max + 1, n)
    )
    first_seen = np.where(
        pre, grid.first_day - rng.integers(1, cal.first_seen_max_years * 365, n), open_day
    )
    z_rev = rng.standard_normal(n)
    mult = _industry_array(cal, "revenue_industry_multiplier")[industry]
    base_rev = cal.revenue_median_annual / 12 * mult * np.exp(cal.revenue_log_sd * z_rev)
    z_a = rng.standard_normal(n)
    c = cal.buffer_propensity_corr
    z_t = c * z_a + np.sqrt(1 - c * c) * rng.standard_normal(n)
    target_days = np.clip(
        cal.buffer_days_median
        * _industry_array(cal, "buffer_days_industry_multiplier")[industry]
        * np.exp(cal.buffer_days_log_sd * z_t),
        cal.buffer_days_floor,
        max(cal.buffer_days_max, cal.buffer_days_floor),
    )
    alpha = (
        cal.revolve_intercept
        + cal.revolve_firm_sd * z_a
        + _industry_array(cal, "revolve_industry_shift")[industry]
        + cal.revolve_size_slope * z_rev
    )
    mu, conc = cal.card_spend_share_mean, cal.card_spend_concentration
    loan = rng.random(n) < cal.loan_share
    ratio_lo, ratio_hi = cal.expense_ratio_min, cal.expense_ratio_max
    return Firms(
        industry=industry,
        region=region,
        entry=entry,
        last=last,
        exited=exited,
        open_day=open_day,
        first_seen=first_seen,
        base_rev=base_rev,
        z_rev=z_rev,
        target_days=target_days,
        alpha=alpha,
        growth=rng.normal(cal.real_growth_mean, cal.real_growth_sd, n),
        ratio=rng.normal(cal.expense_ratio_mean, cal.expense_ratio_sd, n).clip(ratio_lo, ratio_hi),
        kappa=rng.beta(mu * conc, (1 - mu) * conc, n),
        loan_pay=np.where(loan, cal.loan_payment_share * base_rev, 0.0),
        two_accounts=rng.random(n) < cal.second_account_share,
        low_activity=rng.random(n) < cal.low_activity_firm_share,
    )


def draw_cards(rng: np.random.Generator, f: Firms, cal: Calibration, grid: Grid) -> Cards:
    """Zero, one or two business cards per firm, their statement days and limits.

    A card that a firm already banking at the window's start opens later (lag > 0) opens
    that many months into the window; the others run from the burn-in's start.
    """
    n = len(f.entry)
    m_total, w0 = grid.n_months, grid.window_start
    pre = f.entry == 0
    last_stmt = np.where(f.exited, f.last - 1, m_total - 1)
    # Entrants' cards start a month after the deposit account, so no card payment ever
    # precedes the account's opening.
    earliest = np.where(pre, 0, f.entry + 1)
    has = (rng.random(n) < cal.card_holding_share) & (earliest <= last_stmt)
    two = has & (rng.random(n) < cal.two_card_share)
    count = has.astype(np.int64) + two
    firm = np.repeat(np.arange(n), count)
    nc = len(firm)
    slot = np.arange(nc) - np.repeat(np.cumsum(count) - count, count)
    lag = np.where(
        rng.random(nc) < cal.card_at_entry_share, 0, rng.integers(0, cal.card_lag_max_months, nc)
    )
    lag = np.where(slot == 1, rng.integers(0, cal.second_card_lag_max_months, nc), lag)
    lag = lag + np.where(pre[firm] & (lag > 0), w0, 0)
    last = last_stmt[firm]
    first = np.minimum(earliest[firm] + lag, last)
    day = rng.integers(1, 29, nc)
    first_stmt_day = grid.month_start[first] + day - 1
    before = rng.integers(cal.card_open_days_min, cal.card_open_days_max + 1, nc)
    open_day = np.maximum(first_stmt_day - before, f.open_day[firm])
    close_day = np.where(
        f.exited[firm], grid.month_start[np.minimum(last + 1, m_total)] + day - 1, -1
    )
    limit = (
        f.base_rev[firm]
        * cal.credit_limit_months
        * np.exp(cal.credit_limit_log_sd * rng.standard_normal(nc))
    )
    step = cal.credit_limit_step
    limit = np.round(limit.clip(cal.credit_limit_min, cal.credit_limit_max) / step) * step
    two_f = two[firm]
    split = np.where(
        two_f, np.where(slot == 0, cal.first_card_spend_share, 1 - cal.first_card_spend_share), 1.0
    )
    return Cards(
        firm=firm,
        slot=slot,
        first=first,
        last=last,
        day=day,
        grace=rng.integers(cal.grace_days_min, cal.grace_days_max + 1, nc),
        open_day=open_day,
        close_day=close_day,
        limit=(limit * 100).astype(np.int64),
        split=split,
    )


class _Rows:
    """Append-only columns of one output table (concatenated once per chunk)."""

    def __init__(self, *names: str) -> None:
        self.cols: dict[str, list[np.ndarray]] = {n: [] for n in names}

    def add(self, **arrays: np.ndarray) -> None:
        for k, v in arrays.items():
            self.cols[k].append(np.asarray(v))

    def arrays(self, dtypes: dict[str, type]) -> dict[str, np.ndarray]:
        return {
            k: (np.concatenate(v) if v else np.empty(0, dtype=dtypes[k])).astype(dtypes[k])
            for k, v in self.cols.items()
        }


def _split(
    rng: np.random.Generator, owner: np.ndarray, counts: np.ndarray, total: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Split integer ``total`` cents of each owner into ``counts`` random pieces (exact sums)."""
    counts = np.where(total > 0, counts, 0)
    rep = np.repeat(np.arange(len(owner)), counts)
    if len(rep) == 0:
        return rep, np.empty(0, dtype=np.int64)
    w = rng.exponential(size=len(rep)) + 0.05
    wsum = np.bincount(rep, weights=w, minlength=len(owner))
    cents = np.floor(total[rep] * (w / wsum[rep])).astype(np.int64)
    rest = total - np.bincount(rep, weights=cents, minlength=len(owner)).astype(np.int64)
    first = np.cumsum(counts) - counts
    has = counts > 0
    cents[first[has]] += rest[has]
    return rep, cents


def _days(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """A uniform day in [lo, hi] for each row."""
    return lo + np.floor(rng.random(len(lo)) * (hi - lo + 1)).astype(np.int64)


def _cents(x: np.ndarray) -> np.ndarray:
    return np.rint(np.maximum(x, 0.0) * 100).astype(np.int64)


class _Month:
    """Deposit rows of one month for the active firms ``a``, with their net flow."""

    def __init__(
        self,
        rng: np.random.Generator,
        dep: _Rows,
        a: np.ndarray,
        lo: np.ndarray,
        hi: np.ndarray,
        primary: np.ndarray,
        n: int,
    ) -> None:
        self.rng, self.dep, self.a, self.lo, self.hi, self.primary = rng, dep, a, lo, hi, primary
        self.flow = np.zeros(n, dtype=np.int64)  # net cents this month (all accounts)
        self.outflow = np.zeros(n, dtype=np.int64)

    def emit(self, owner: np.ndarray, day: np.ndarray, cents: np.ndarray, cat: str) -> None:
        """Rows on the owners' primary accounts (zero amounts are skipped)."""
        keep = cents != 0
        owner, day, cents = owner[keep], day[keep], cents[keep]
        self.dep.add(
            acct=self.primary[owner],
            day=day,
            cents=cents,
            cat=np.full(len(owner), _CAT[cat], dtype=np.int8),
        )
        np.add.at(self.flow, owner, cents)
        np.add.at(self.outflow, owner, np.minimum(cents, 0))

    def spread(
        self,
        cat: str,
        counts: np.ndarray,
        total_dollars: np.ndarray,
        sign: int,
        day_lo: np.ndarray | None = None,
        day_hi: np.ndarray | None = None,
    ) -> None:
        """Split each active firm's total into ``counts`` rows on random days."""
        rep, cents = _split(self.rng, self.a, counts, _cents(total_dollars))
        lo_r = (self.lo if day_lo is None else day_lo)[rep]
        hi_r = (self.hi if day_hi is None else day_hi)[rep]
        self.emit(self.a[rep], _days(self.rng, lo_r, hi_r), sign * cents, cat)


def _pandemic_shape(p: int, recovery_months: int) -> float:
    """0 before March 2020, 0.5 in March, 1 in April, back to 0 ``recovery_months`` later."""
    if p < 0:
        return 0.0
    if p == 0:
        return 0.5
    return max(0.0, 1.0 - (p - 1) / recovery_months)


@dataclass
class _State:
    """Vector state carried from month to month (firms: length n; cards: length n_cards)."""

    shock: np.ndarray  # AR(1) log-revenue shock
    drift: np.ndarray  # AR(1) drifting part of the revolving propensity
    spell: np.ndarray  # in a credit spell (two-state Markov chain)
    flow: np.ndarray  # this month's operating cash flow / normal revenue
    cash: np.ndarray  # cents, all accounts
    second: np.ndarray  # cents in the second account
    cash_ewma: np.ndarray
    out_ewma: np.ndarray
    opening: np.ndarray  # opening balance per account slot (2n), cents
    bal: np.ndarray  # card balance at its last statement, cents
    pay_amt: np.ndarray  # payment decided at the last statement, to post
    pay_day: np.ndarray
    pay_late: np.ndarray
    carried: np.ndarray  # balance carried (revolved) from the last statement
    rev_prev: np.ndarray  # revolved at the last statement


@dataclass(frozen=True)
class _Relief:
    """Who gets pandemic relief, and when (months after March 2020)."""

    first: np.ndarray
    first_m: np.ndarray
    second: np.ndarray
    second_m: np.ndarray
    eidl: np.ndarray
    eidl_m: np.ndarray
    eidl_amt: np.ndarray  # cents


@dataclass(frozen=True)
class _Sinks:
    """The chunk's output rows (during the burn-in, throwaway ones)."""

    dep: _Rows
    crd: _Rows
    stm: _Rows
    tru: _Rows

    @classmethod
    def new(cls) -> _Sinks:
        return cls(
            _Rows("acct", "day", "cents", "cat"),
            _Rows("card", "day", "cents", "kind"),
            _Rows("card", "day", "cents"),
            _Rows("card", "day", "cents", "due", "by_due", "before_next", "late", "revolved"),
        )


@dataclass(frozen=True)
class _Period:
    """One month of the active firms ``a``: calendar, revenue and expenses (dollars)."""

    m: int
    a: np.ndarray
    ms: int
    lo: np.ndarray  # first day the firm is active this month
    hi: np.ndarray
    frac: np.ndarray  # share of the month the firm is active
    price: float
    p: int  # months since March 2020
    calendar_month: int
    normal: np.ndarray
    rev: np.ndarray
    card_spend: np.ndarray
    dep_exp: np.ndarray
    quiet: np.ndarray
    stmt_now: np.ndarray  # cards with a statement this month


def _draw_relief(rng: np.random.Generator, n: int, cal: Calibration) -> _Relief:
    first = rng.random(n) < cal.relief_prob
    first_m = rng.integers(cal.relief_months[0], cal.relief_months[1] + 1, n)
    second = first & (rng.random(n) < cal.relief_second_prob)
    second_m = rng.integers(cal.relief_second_months[0], cal.relief_second_months[1] + 1, n)
    eidl = rng.random(n) < cal.eidl_prob
    eidl_m = rng.integers(cal.eidl_months[0], cal.eidl_months[1] + 1, n)
    k_lo, k_hi = int(cal.eidl_min // 1000), int(cal.eidl_max // 1000)
    eidl_amt = rng.integers(k_lo, k_hi + 1, n) * 100_000
    return _Relief(first, first_m, second, second_m, eidl, eidl_m, eidl_amt)


def _period(
    rng: np.random.Generator,
    m: int,
    f: Firms,
    c: Cards,
    st: _State,
    cal: Calibration,
    grid: Grid,
    season_of: tuple[np.ndarray, np.ndarray],
) -> _Period:
    """Step 1: who is active, revenue (with its shock and the pandemic) and expenses."""
    n = len(f.entry)
    a = np.nonzero((f.entry <= m) & (m <= f.last))[0]
    ms, me = int(grid.month_start[m]), int(grid.month_end[m])
    lo = np.maximum(ms, f.open_day[a])
    hi = np.full(len(a), me)
    price = float(grid.price[m])
    p = int(grid.pandemic[m])
    ps = _pandemic_shape(p, cal.pandemic_recovery_months)
    st.shock = cal.revenue_ar * st.shock + rng.normal(0, cal.revenue_shock_sd, n)
    if cal.revolve_drift_sd > 0:
        ar = cal.revolve_drift_ar
        st.drift = ar * st.drift + np.sqrt(
            1 - ar * ar
        ) * cal.revolve_drift_sd * rng.standard_normal(n)
    if cal.revolve_spell_shift > 0:
        # Credit spells: a two-state chain per firm. With revolve_spell_buffer_slope < 0 a
        # spell starts more often when cash is short (buffer below the median target).
        buf = np.maximum(st.cash_ewma, 0) / np.maximum(st.out_ewma / _DAYS_PER_MONTH, 100)
        scale = cal.revolve_buffer_scale
        rel = np.log1p(buf / scale) - np.log1p(cal.buffer_days_median / scale)
        start = np.minimum(
            cal.revolve_spell_start_prob * np.exp(cal.revolve_spell_buffer_slope * rel), 1.0
        )
        u = rng.random(n)
        st.spell = np.where(st.spell, u >= cal.revolve_spell_end_prob, u < start)
    amp, peak = season_of
    season = 1 + amp[a] * np.cos(2 * np.pi * (grid.calendar_month[m] - peak[a]) / 12)
    years = (m - grid.window_start) / 12
    normal = f.base_rev[a] * season * price * np.exp(f.growth[a] * years)
    rev = normal * (1 - cal.pandemic_revenue_drop * ps) * np.exp(st.shock[a])
    w = cal.expense_smoothing
    expense = f.ratio[a] * ((1 - w) * rev + w * normal * (1 - cal.pandemic_expense_cut * ps))
    frac = (me - lo + 1) / (me - ms + 1)
    rev, expense = rev * frac, expense * frac
    card_on = np.zeros(n, dtype=bool)
    stmt_now = (c.first <= m) & (m <= c.last)
    card_on[c.firm[stmt_now]] = True
    card_spend = np.where(card_on[a], f.kappa[a] * expense, 0.0)
    quiet = f.low_activity[a] & (rng.random(len(a)) < cal.quiet_month_prob)
    st.flow[a] = (rev - expense) / np.maximum(normal * frac, 1.0)
    return _Period(
        m,
        a,
        ms,
        lo,
        hi,
        frac,
        price,
        p,
        int(grid.calendar_month[m]),
        normal,
        rev,
        card_spend,
        expense - card_spend,
        quiet,
        stmt_now,
    )


def _operating_flows(rng: np.random.Generator, mo: _Month, t: _Period, cal: Calibration) -> None:
    """Step 2: sales and other income in; payroll, rent, tax, other expenses, suppliers out."""
    a, quiet, rev, dep_exp = t.a, t.quiet, t.rev, t.dep_exp
    lam = np.maximum(cal.sales_tx_per_month - cal.sales_tx_min, 0.5) + np.log2(
        np.maximum(rev / (cal.sales_tx_revenue_base * t.price), 1)
    )
    n_sales = np.where(
        quiet,
        rng.integers(1, cal.quiet_sales_max + 1, len(a)),
        cal.sales_tx_min + rng.poisson(lam),
    )
    mo.spread("sales", n_sales, rev * (1 - cal.other_income_share), +1)
    n_oi = np.where(quiet, 0, rng.poisson(cal.other_income_tx_per_month, len(a)))
    mo.spread("other_income", n_oi, rev * cal.other_income_share, +1)
    mid = np.minimum(np.maximum(t.ms + cal.payroll_mid_day - 1, t.lo), t.hi)
    payroll = dep_exp * cal.payroll_share
    mo.spread("payroll", np.ones(len(a), dtype=np.int64), payroll / 2, -1, mid, mid)
    mo.spread("payroll", np.where(quiet, 0, 1), payroll / 2, -1, t.hi, t.hi)
    rent_by = np.minimum(np.maximum(t.ms + cal.rent_day_max - 1, t.lo), t.hi)
    mo.spread("rent", np.ones(len(a), dtype=np.int64), dep_exp * cal.rent_share, -1, t.lo, rent_by)
    if t.calendar_month in cal.tax_months:
        mo.spread("tax", np.where(quiet, 0, 1), dep_exp * cal.tax_share * 3, -1)
    n_oe = np.where(quiet, 0, rng.poisson(cal.other_expense_tx_per_month, len(a)))
    mo.spread("other_expense", n_oe, dep_exp * cal.other_expense_share, -1)
    sup_share = 1 - cal.payroll_share - cal.rent_share - cal.tax_share - cal.other_expense_share
    n_sup = np.where(quiet, 1, 1 + rng.poisson(max(cal.supplier_tx_per_month - 1, 0), len(a)))
    mo.spread("suppliers", n_sup, dep_exp * max(sup_share, 0.0), -1)


def _financing_flows(
    rng: np.random.Generator,
    mo: _Month,
    t: _Period,
    f: Firms,
    loan_base: np.ndarray,
    relief: _Relief,
    cal: Calibration,
) -> None:
    """Step 3: loan payments and proceeds, pandemic relief."""
    a = t.a
    has_loan = loan_base[a] > 0
    loan_day = np.minimum(np.maximum(t.ms + cal.loan_payment_day - 1, t.lo), t.hi)
    mo.emit(a[has_loan], loan_day[has_loan], -loan_base[a][has_loan], "loan_payment")
    new = f.entry[a] == t.m
    if t.m > 0:
        nl = new & has_loan
        mo.emit(a[nl], t.lo[nl], cal.loan_term_months * loan_base[a][nl], "loan_proceeds")
    base_payroll = cal.payroll_share * (1 - f.kappa[a]) * f.ratio[a] * t.normal
    for flag, month in ((relief.first, relief.first_m), (relief.second, relief.second_m)):
        got = flag[a] & (month[a] == t.p)
        if got.any():
            amt = _cents(cal.relief_months_of_payroll * base_payroll[got])
            mo.emit(a[got], _days(rng, t.lo[got], t.hi[got]), amt, "relief")
    got = relief.eidl[a] & (relief.eidl_m[a] == t.p)
    if got.any():
        mo.emit(a[got], _days(rng, t.lo[got], t.hi[got]), relief.eidl_amt[a][got], "relief")


def _post_payments(
    mo: _Month, sinks: _Sinks, st: _State, c: Cards, primary: np.ndarray, first_day: int
) -> tuple[np.ndarray, np.ndarray]:
    """Step 4a: post the payments decided at the previous statements (card and deposit).

    A payment dated before the window's first day (decided in the burn-in) is not
    written: the window's opening balance already has it. Returns (paid, late_prev).
    """
    posted = st.pay_amt > 0
    pc = np.nonzero(posted)[0]
    if len(pc):
        pf = c.firm[pc]
        early = st.pay_day[pc] < first_day
        np.subtract.at(st.opening, primary[pf[early]], st.pay_amt[pc[early]])
        w = pc[~early]
        sinks.crd.add(
            card=w,
            day=st.pay_day[w],
            cents=st.pay_amt[w],
            kind=np.full(len(w), _KIND["payment"], dtype=np.int8),
        )
        sinks.dep.add(
            acct=primary[c.firm[w]],
            day=st.pay_day[w],
            cents=-st.pay_amt[w],
            cat=np.full(len(w), _CAT["card_payment"], dtype=np.int8),
        )
        np.add.at(mo.flow, pf, -st.pay_amt[pc])
        np.add.at(mo.outflow, pf, -st.pay_amt[pc])
    paid = st.pay_amt.copy()
    late_prev = st.pay_late & posted
    st.pay_amt[:] = 0
    return paid, late_prev


def _statements(
    rng: np.random.Generator,
    sinks: _Sinks,
    t: _Period,
    st: _State,
    f: Firms,
    c: Cards,
    cal: Calibration,
    grid: Grid,
    paid: np.ndarray,
    late_prev: np.ndarray,
) -> None:
    """Step 4b: this month's statements (purchases, interest, fees, refunds, advances),
    then the payment decision at each statement."""
    m, n = t.m, len(f.entry)
    ci = np.nonzero(t.stmt_now)[0]
    if not len(ci):
        return
    fi = c.firm[ci]
    s_day = t.ms + c.day[ci] - 1
    prev_s = np.where(
        c.first[ci] == m,
        c.open_day[ci] - 1,
        grid.month_start[max(m - 1, 0)] + c.day[ci] - 1,
    )
    if m >= grid.window_start:  # the window's first cycle of a card from the burn-in
        prev_s = np.maximum(prev_s, grid.first_day - 1)
    spend_f = np.zeros(n)
    spend_f[t.a] = t.card_spend
    purchases = _cents(spend_f[fi] * c.split[ci])
    room = np.maximum(c.limit[ci] - (st.bal[ci] - paid[ci]), 0)
    purchases = np.minimum(purchases, room)
    n_p = 1 + rng.poisson(cal.purchases_per_cycle - 1, len(ci))
    rep, cents = _split(rng, ci, n_p, purchases)
    days = _days(rng, prev_s[rep] + 1, s_day[rep])
    some = cents > 0  # a purchase of $0 is never written
    sinks.crd.add(
        card=ci[rep][some],
        day=days[some],
        cents=cents[some],
        kind=np.full(int(some.sum()), _KIND["purchase"], dtype=np.int8),
    )
    interest = np.rint(st.carried[ci] * cal.apr / 12).astype(np.int64)
    fee = np.where(late_prev[ci], _cents(np.full(len(ci), cal.late_fee * t.price)), 0)
    refund = np.where(
        rng.random(len(ci)) < cal.refund_prob,
        np.floor(purchases * rng.uniform(cal.refund_share_min, cal.refund_share_max, len(ci))),
        0,
    )
    refund = refund.astype(np.int64)
    adv = np.where(
        rng.random(len(ci)) < cal.cash_advance_prob,
        _cents(rng.uniform(cal.cash_advance_min, cal.cash_advance_max, len(ci)) * t.price),
        0,
    )
    adv = np.minimum(adv, np.maximum(c.limit[ci] - st.bal[ci] - purchases, 0))
    adv_fee = np.rint(adv * cal.cash_advance_fee_rate).astype(np.int64)
    any_day = _days(rng, prev_s + 1, s_day)
    for kind, amt, day in (
        ("interest", interest, s_day),
        ("fee", fee + adv_fee, s_day),
        ("refund", refund, any_day),
        ("cash_advance", adv, any_day),
    ):
        k = amt > 0
        sinks.crd.add(
            card=ci[k],
            day=day[k],
            cents=amt[k],
            kind=np.full(int(k.sum()), _KIND[kind], dtype=np.int8),
        )
    b = st.bal[ci] + purchases + interest + fee + adv + adv_fee - paid[ci] - refund
    st.bal[ci] = b
    sinks.stm.add(card=ci, day=s_day, cents=b)
    _decide(rng, sinks, t, st, f, c, cal, grid, ci, fi, s_day, b)


def _decide(
    rng: np.random.Generator,
    sinks: _Sinks,
    t: _Period,
    st: _State,
    f: Firms,
    c: Cards,
    cal: Calibration,
    grid: Grid,
    ci: np.ndarray,
    fi: np.ndarray,
    s_day: np.ndarray,
    b: np.ndarray,
) -> None:
    """Step 4c: the payment decision at each statement, its amount, day and the truth."""
    buf = np.maximum(st.cash_ewma[fi], 0) / np.maximum(st.out_ewma[fi] / _DAYS_PER_MONTH, 100)
    shift = 0.0
    if 1 <= t.p <= cal.pandemic_shift_months:
        shift = cal.revolve_pandemic_shift
    elif t.p > cal.pandemic_shift_months:
        shift = cal.revolve_recovery_shift
    since_2010 = t.p + _MARCH_2020_FROM_JAN_2010
    shift += cal.revolve_recession_shift * min(
        max(1.0 - since_2010 / cal.revolve_recession_months, 0.0), 1.0
    )
    cash = np.maximum(st.cash_ewma[fi], 0) / 100 / t.price
    logit = (
        f.alpha[fi]
        + cal.revolve_state_dependence * st.rev_prev[ci]
        + cal.revolve_buffer_slope * np.log1p(buf / cal.revolve_buffer_scale)
        + cal.revolve_cash_slope * np.log1p(cash / cal.revolve_cash_scale)
        + cal.revolve_flow_slope * st.flow[fi]
        + st.drift[fi]
        + cal.revolve_spell_shift * st.spell[fi]
        + shift
    )
    owes = b > 0
    want = owes & (rng.random(len(ci)) < 1 / (1 + np.exp(-logit)))
    mu, k = cal.partial_pay_mean, cal.partial_pay_concentration
    share = rng.beta(mu * k, (1 - mu) * k, len(ci))
    if cal.partial_pay_buffer_slope != 0:
        # Liquid revolvers pay down more: the share's logit moves with the buffer.
        lift = cal.partial_pay_buffer_slope * np.log1p(buf / cal.revolve_buffer_scale)
        share = np.clip(share, 1e-9, 1 - 1e-9)
        share = 1 / (1 + np.exp(-(np.log(share / (1 - share)) + lift)))
    min_pay = np.maximum(
        _cents(np.full(len(ci), cal.min_payment_floor)),
        np.rint(cal.min_payment_share * b).astype(np.int64),
    )
    partial = np.maximum(np.rint(share * b).astype(np.int64), min_pay)
    partial_ok = want & (partial < b)
    pay = np.where(partial_ok, partial, np.maximum(b, 0))
    u = rng.random(len(ci))
    late = (pay > 0) & np.where(partial_ok, u < cal.late_prob_partial, u < cal.late_prob_full)
    due = s_day + c.grace[ci]
    next_s = grid.month_start[t.m + 1] + c.day[ci] - 1
    early = np.minimum(
        np.floor(rng.exponential(cal.pay_days_before_due, len(ci))), c.grace[ci] - 1
    ).astype(np.int64)
    day_late = rng.integers(due + 1, next_s)
    st.pay_amt[ci] = pay
    st.pay_day[ci] = np.where(late, day_late, due - early)
    st.pay_late[ci] = late
    by_due = np.where(late, 0, pay)
    in_full = ~owes | (by_due >= b)
    revolved = owes & ~in_full
    st.carried[ci] = np.where(revolved, b - by_due, 0)
    st.rev_prev[ci] = revolved
    sinks.tru.add(
        card=ci,
        day=s_day,
        cents=b,
        due=due,
        by_due=by_due,
        before_next=pay,
        late=late,
        revolved=revolved,
    )
    # A card's last statement: its payment posts next month, then the card closes.


def _target_days(f: Firms, st: _State, a: np.ndarray, cal: Calibration) -> np.ndarray:
    """The active firms' target buffer (days of outflows), lower while in a credit spell."""
    spell = np.where(st.spell[a], cal.revolve_spell_buffer_multiplier, 1.0)
    return f.target_days[a] * spell


def _own_transfers(
    rng: np.random.Generator,
    sinks: _Sinks,
    mo: _Month,
    t: _Period,
    st: _State,
    f: Firms,
    cal: Calibration,
    primary: np.ndarray,
) -> None:
    """Step 5: own-account transfers (net zero for the firm). Surplus cash moves to the
    second account, and comes back when the primary account runs below target."""
    a = t.a
    two = f.two_accounts[a]
    prim = st.cash[a] + mo.flow[a] - st.second[a]
    tgt = _target_days(f, st, a, cal) * st.out_ewma[a] / _DAYS_PER_MONTH
    short = prim < tgt
    back = two & (st.second[a] > 0) & (short | (rng.random(len(a)) < cal.transfer_back_prob))
    need = np.ceil(np.maximum(tgt - prim, 0)).astype(np.int64)
    moved = st.second[a] * rng.uniform(cal.transfer_back_share_min, 1.0, len(a))
    bt = np.where(short, need, np.floor(moved).astype(np.int64))
    bt = np.minimum(bt, st.second[a].astype(np.int64))
    back &= bt > 0
    for sign, acct in ((+1, primary[a]), (-1, primary[a] + 1)):
        sinks.dep.add(
            acct=acct[back],
            day=t.lo[back],
            cents=sign * bt[back],
            cat=np.full(int(back.sum()), _CAT["transfer_own"], dtype=np.int8),
        )
    st.second[a[back]] -= bt[back]
    out = _cents(t.rev * cal.own_transfer_share)
    go = two & (rng.random(len(a)) < cal.transfer_out_prob) & ~t.quiet
    go &= (prim - out > tgt) & ~back
    tday = _days(rng, t.lo, t.hi)
    for sign, acct in ((-1, primary[a]), (+1, primary[a] + 1)):
        sinks.dep.add(
            acct=acct[go],
            day=tday[go],
            cents=sign * out[go],
            cat=np.full(int(go.sum()), _CAT["transfer_own"], dtype=np.int8),
        )
    st.second[a[go]] += out[go]


def _owner_cash(
    rng: np.random.Generator,
    mo: _Month,
    t: _Period,
    st: _State,
    f: Firms,
    cal: Calibration,
    primary: np.ndarray,
) -> None:
    """Step 6: the owner keeps cash near the firm's target buffer (draws and injections);
    then the smoothed cash and outflows the next decisions see."""
    a, lo, hi = t.a, t.lo, t.hi
    out_a = -mo.outflow[a].astype(float)
    first_month = f.entry[a] == t.m
    prev_out = np.where(first_month | (st.out_ewma[a] <= 0), out_a / t.frac, st.out_ewma[a])
    mult = cal.pandemic_buffer_multiplier if t.p >= cal.pandemic_buffer_from_month else 1.0
    target = _target_days(f, st, a, cal) * mult * prev_out / _DAYS_PER_MONTH
    if t.m == 0:
        spread = cal.initial_cash_spread
        start = np.rint(target * rng.uniform(1 - spread, 1 + spread, len(a))).astype(np.int64)
        pre = f.entry[a] == 0
        st.opening[primary[a][pre]] = start[pre]
        st.cash[a[pre]] = start[pre]
    new_in = first_month & (f.entry[a] > 0)
    init = np.where(new_in, np.rint(target), 0).astype(np.int64)
    mo.emit(a[new_in], lo[new_in], init[new_in], "owner_injection")
    cash_pre = st.cash[a] + mo.flow[a]
    draw = np.where(cash_pre > target, cal.cash_adjust_speed * (cash_pre - target), 0)
    draw = np.minimum(draw, np.maximum(cash_pre - st.second[a], 0)).astype(np.int64)
    draw = np.where(t.quiet, 0, draw)
    draw_lo = np.maximum(hi - cal.draw_days_before_month_end, lo)
    mo.emit(a, _days(rng, draw_lo, hi), -draw, "owner_draw")
    floor = cal.injection_floor * target
    inj = np.where(cash_pre < floor, cal.injection_target_share * target - cash_pre, 0)
    inj = np.rint(inj).astype(np.int64)
    mo.emit(a, _days(rng, lo, np.minimum(lo + cal.injection_days, hi)), inj, "owner_injection")
    st.cash[a] = cash_pre - draw + inj
    out_now = -mo.outflow[a].astype(float) / t.frac
    w = cal.smoothing_weight
    st.out_ewma[a] = np.where(
        first_month | (st.out_ewma[a] <= 0), out_now, (1 - w) * st.out_ewma[a] + w * out_now
    )
    st.cash_ewma[a] = np.where(first_month, st.cash[a], (1 - w) * st.cash_ewma[a] + w * st.cash[a])


def _spell_share(cal: Calibration) -> float:
    """Stationary share of firms in a credit spell (start / (start + end))."""
    start, end = cal.revolve_spell_start_prob, cal.revolve_spell_end_prob
    return start / (start + end)


def run_chunk(
    rng: np.random.Generator, n: int, cal: Calibration, grid: Grid
) -> tuple[Firms, Cards, dict[str, dict[str, np.ndarray]], np.ndarray]:
    """Simulate ``n`` firms; returns firms, cards, raw row columns and opening balances.

    Deposit rows refer to local account slots ``2 * firm + slot``; card rows to local cards.
    One loop over the months carries :class:`_State`; each month runs the steps in order:
    revenue and expenses, operating flows, financing flows, card payments and statements
    (with the payment decision), own-account transfers, the owner's cash. Months of the
    burn-in (before ``grid.window_start``) write into throwaway sinks; at the window's
    start the accounts' opening balances are the firms' cash then.
    """
    f = draw_firms(rng, n, cal, grid)
    c = draw_cards(rng, f, cal, grid)
    nc = len(c.firm)
    season_of = (
        _industry_array(cal, "seasonal_amplitude")[f.industry],
        _industry_array(cal, "seasonal_peak_month")[f.industry],
    )
    out = _Sinks.new()
    shock = rng.normal(0, cal.revenue_shock_sd / np.sqrt(1 - cal.revenue_ar**2), n)
    st = _State(
        shock=shock,
        drift=(
            cal.revolve_drift_sd * rng.standard_normal(n)
            if cal.revolve_drift_sd > 0
            else np.zeros(n)
        ),
        spell=(
            rng.random(n) < _spell_share(cal)
            if cal.revolve_spell_shift > 0
            else np.zeros(n, dtype=bool)
        ),
        flow=np.zeros(n),
        cash=np.zeros(n),
        second=np.zeros(n),
        cash_ewma=np.zeros(n),
        out_ewma=np.zeros(n),
        opening=np.zeros(2 * n, dtype=np.int64),
        bal=np.zeros(nc, dtype=np.int64),
        pay_amt=np.zeros(nc, dtype=np.int64),
        pay_day=np.zeros(nc, dtype=np.int64),
        pay_late=np.zeros(nc, dtype=bool),
        carried=np.zeros(nc, dtype=np.int64),
        rev_prev=np.zeros(nc, dtype=bool),
    )
    relief = _draw_relief(rng, n, cal)
    loan_base = _cents(f.loan_pay * grid.price[f.entry])
    primary = 2 * np.arange(n)
    w0 = grid.window_start

    for m in range(grid.n_months):
        if m == w0 and w0 > 0:
            pre = f.entry == 0
            st.opening[primary[pre]] = np.rint(st.cash[pre] - st.second[pre]).astype(np.int64)
            st.opening[primary[pre] + 1] = np.rint(st.second[pre]).astype(np.int64)
        sinks = out if m >= w0 else _Sinks.new()
        t = _period(rng, m, f, c, st, cal, grid, season_of)
        mo = _Month(rng, sinks.dep, t.a, t.lo, t.hi, primary, n)
        _operating_flows(rng, mo, t, cal)
        _financing_flows(rng, mo, t, f, loan_base, relief, cal)
        paid, late_prev = _post_payments(mo, sinks, st, c, primary, grid.first_day)
        _statements(rng, sinks, t, st, f, c, cal, grid, paid, late_prev)
        _own_transfers(rng, sinks, mo, t, st, f, cal, primary)
        _owner_cash(rng, mo, t, st, f, cal, primary)

    raw = {
        "dep": out.dep.arrays(
            {"acct": np.int64, "day": np.int64, "cents": np.int64, "cat": np.int8}
        ),
        "card": out.crd.arrays(
            {"card": np.int64, "day": np.int64, "cents": np.int64, "kind": np.int8}
        ),
        "stmt": out.stm.arrays({"card": np.int64, "day": np.int64, "cents": np.int64}),
        "truth": out.tru.arrays(
            {
                "card": np.int64,
                "day": np.int64,
                "cents": np.int64,
                "due": np.int64,
                "by_due": np.int64,
                "before_next": np.int64,
                "late": bool,
                "revolved": bool,
            }
        ),
    }
    return f, c, raw, st.opening


def _dates(days: np.ndarray) -> pa.Array:
    return pa.array(days.astype("datetime64[D]"), type=pa.date32())


def _nullable_dates(days: np.ndarray) -> pa.Array:
    return pa.array(days.astype("datetime64[D]"), type=pa.date32(), mask=days < 0)


def _money(cents: np.ndarray) -> pa.Array:
    return pa.array(cents / 100.0, type=pa.float64())


def chunk_tables(
    rng: np.random.Generator,
    n: int,
    offset: int,
    seed: int,
    cal: Calibration,
    grid: Grid,
    *,
    balances: bool,
) -> dict[str, pa.Table]:
    """Simulate one chunk of ``n`` firms (global positions ``offset``..) as Arrow tables."""
    f, c, raw, opening = run_chunk(rng, n, cal, grid)
    firm_ids = pa.array(ids.tokens(seed, ids.FIRM, np.arange(offset, offset + n)))
    acct_ids = pa.array(ids.tokens(seed, ids.ACCOUNT, np.arange(2 * offset, 2 * offset + 2 * n)))
    card_slot_global = 2 * (offset + c.firm) + c.slot
    card_ids = pa.array(ids.tokens(seed, ids.CARD, card_slot_global))
    industries = pa.array(list(cal.industry_mix))
    regions = pa.array(list(cal.regions))
    out: dict[str, pa.Table] = {}
    region = regions.take(pa.array(f.region, mask=f.region < 0))
    out["firms"] = pa.Table.from_arrays(
        [firm_ids, industries.take(pa.array(f.industry)), region, _dates(f.first_seen)],
        schema=SCHEMAS["firms"],
    )
    # Deposit accounts: every firm's primary, plus the second account where it has one.
    slots = np.arange(2 * n)
    owner = slots // 2
    exists = (slots % 2 == 0) | f.two_accounts[owner]
    acc = slots[exists]
    close = np.where(f.exited[owner[acc]], grid.month_end[f.last[owner[acc]]], -1)
    out["deposit_accounts"] = pa.Table.from_arrays(
        [
            acct_ids.take(pa.array(acc)),
            firm_ids.take(pa.array(owner[acc])),
            _dates(np.maximum(f.open_day[owner[acc]], grid.first_day)),
            _nullable_dates(close),
            _money(opening[acc]),
        ],
        schema=SCHEMAS["deposit_accounts"],
    )
    d = raw["dep"]
    order = np.lexsort((d["day"], d["acct"]))
    acct, day, cents = d["acct"][order], d["day"][order], d["cents"][order]
    categories = pa.array(list(CATEGORIES))
    out["deposit_transactions"] = pa.Table.from_arrays(
        [
            acct_ids.take(pa.array(acct)),
            _dates(day),
            _money(cents),
            categories.take(pa.array(d["cat"][order])),
        ],
        schema=SCHEMAS["deposit_transactions"],
    )
    if balances:
        run = np.cumsum(cents)
        starts = np.r_[True, acct[1:] != acct[:-1]]
        base = np.maximum.accumulate(np.where(starts, np.arange(len(acct)), 0))
        before = run[base] - cents[base]
        level = opening[acct] + run - before
        end_of_day = np.r_[(acct[1:] != acct[:-1]) | (day[1:] != day[:-1]), True]
        if len(acct) == 0:
            end_of_day = np.zeros(0, dtype=bool)
        out["deposit_balances"] = pa.Table.from_arrays(
            [
                acct_ids.take(pa.array(acct[end_of_day])),
                _dates(day[end_of_day]),
                _money(level[end_of_day]),
            ],
            schema=SCHEMAS["deposit_balances"],
        )
    out["card_accounts"] = pa.Table.from_arrays(
        [
            card_ids,
            firm_ids.take(pa.array(c.firm)),
            _dates(np.maximum(c.open_day, grid.first_day)),
            _nullable_dates(c.close_day),
            _money(c.limit),
        ],
        schema=SCHEMAS["card_accounts"],
    )
    s = raw["stmt"]
    so = np.lexsort((s["day"], s["card"]))
    out["card_statements"] = pa.Table.from_arrays(
        [card_ids.take(pa.array(s["card"][so])), _dates(s["day"][so]), _money(s["cents"][so])],
        schema=SCHEMAS["card_statements"],
    )
    k = raw["card"]
    ko = np.lexsort((k["kind"], k["day"], k["card"]))
    kinds = pa.array(list(CARD_KINDS))
    out["card_transactions"] = pa.Table.from_arrays(
        [
            card_ids.take(pa.array(k["card"][ko])),
            _dates(k["day"][ko]),
            _money(k["cents"][ko]),
            kinds.take(pa.array(k["kind"][ko])),
        ],
        schema=SCHEMAS["card_transactions"],
    )
    t = raw["truth"]
    to = np.lexsort((t["day"], t["card"]))
    b, by_due, before = t["cents"][to], t["by_due"][to], t["before_next"][to]
    revolved = t["revolved"][to]
    out["truth"] = pa.Table.from_arrays(
        [
            card_ids.take(pa.array(t["card"][to])),
            firm_ids.take(pa.array(c.firm[t["card"][to]])),
            _dates(t["day"][to]),
            _money(b),
            _dates(t["due"][to]),
            _money(by_due),
            _money(before),
            pa.array(~revolved),
            pa.array(revolved),
            _money(np.where(revolved, b - by_due, 0)),
            pa.array(t["late"][to]),
        ],
        schema=SCHEMAS["truth"],
    )
    return out
