"""Every behaviour parameter of the synthetic bank, in one typed, frozen object.

The simulator (:func:`econscope.smallbiz.sim.simulate.simulate`) reads nothing else: each
field says what it drives and which target of DESIGN.md ("the calibrated synthetic bank")
it serves, so tuning the bank toward the report's published figures is a matter of
changing fields here. Derive a changed copy with ``model_copy(update=...)``:

>>> cal = Calibration()
>>> cal.grace_days_min, cal.grace_days_max
(21, 25)
>>> round(sum(cal.industry_mix.values()), 6)
1.0
>>> Calibration(revolve_intercept=-1.0).revolve_intercept
-1.0
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from econscope.config import DEFAULT_INDUSTRIES

__all__ = ["Calibration"]

_MIX = (0.14, 0.09, 0.06, 0.12, 0.10, 0.08, 0.09, 0.12, 0.07, 0.03, 0.04, 0.06)
# Median annual revenue multiplier by industry (tabA1 shape: construction ~$226k in 2022).
_REV = (1.6, 1.5, 1.2, 1.0, 0.55, 0.9, 1.1, 1.0, 0.9, 1.4, 1.5, 1.8)
# Logit shift of the revolving propensity (fig05: construction highest, health care lowest,
# personal services between; gap about 19 points in 2022).
_REVOLVE = (0.8, -1.0, -0.2, -0.25, -0.2, 0.25, 0.3, 0.1, -0.1, -0.5, 0.05, -0.1)
# Seasonal amplitude (share of mean revenue) and peak month by industry.
_AMP = (0.25, 0.05, 0.05, 0.08, 0.08, 0.12, 0.12, 0.2, 0.1, 0.06, 0.08, 0.1)
_PEAK = (7, 3, 6, 4, 12, 7, 8, 12, 6, 10, 9, 11)


def _by_industry(values: tuple[float, ...]) -> dict[str, float]:
    return dict(zip(DEFAULT_INDUSTRIES, values, strict=True))


class Calibration(BaseModel):
    """The behaviour of the synthetic bank. All money is in nominal dollars of 2010 unless
    said otherwise; the simulator inflates it with CPI-U (``econscope.config.CPI_U_ANNUAL``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    # ----------------------------------------------------------------- firms, entry, exit
    industry_mix: dict[str, float] = Field(
        default_factory=lambda: _by_industry(_MIX),
        description="Share of firms per industry (sums to 1). Target: tabA1 firm counts; "
        "DESIGN 'industries'.",
    )
    regions: dict[str, float] = Field(
        default_factory=lambda: {"Northeast": 0.18, "Midwest": 0.21, "South": 0.38, "West": 0.23},
        description="Share of firms per region (firms.region, informational).",
    )
    region_missing_share: float = Field(
        0.03, ge=0, le=1, description="Share of firms whose region is null (nullable column)."
    )
    pre_window_share: float = Field(
        0.55,
        ge=0,
        le=1,
        description="Share of firms already banking at the window's start; the rest enter "
        "uniformly over the window. Target: firms entering inside the window.",
    )
    exit_hazard_monthly: float = Field(
        0.0045,
        ge=0,
        le=1,
        description="Monthly probability that an active firm exits (about 5% a year). "
        "Target: firms exiting inside the window.",
    )

    # ------------------------------------------------------------------------- revenue
    revenue_median_annual: float = Field(
        60_000.0,
        gt=0,
        description="Median annual revenue in 2010 dollars before the industry multiplier. "
        "Target: a third to half of firms above $100k (fig04); tabA1 medians.",
    )
    revenue_industry_multiplier: dict[str, float] = Field(
        default_factory=lambda: _by_industry(_REV),
        description="Industry multiplier on median revenue. Target: tabA1 (construction "
        "about $226k in 2022; personal services small, health care larger).",
    )
    revenue_log_sd: float = Field(
        1.0, gt=0, description="Between-firm sd of log revenue (most firms small)."
    )
    seasonal_amplitude: dict[str, float] = Field(
        default_factory=lambda: _by_industry(_AMP),
        description="Seasonal swing of revenue (share of the mean) by industry.",
    )
    seasonal_peak_month: dict[str, int] = Field(
        default_factory=lambda: dict(zip(DEFAULT_INDUSTRIES, _PEAK, strict=True)),
        description="Calendar month of the seasonal revenue peak by industry.",
    )
    revenue_ar: float = Field(
        0.6, ge=0, lt=1, description="AR(1) coefficient of monthly log-revenue shocks."
    )
    revenue_shock_sd: float = Field(
        0.18, ge=0, description="Sd of monthly log-revenue innovations (net cash flow varies)."
    )
    real_growth_mean: float = Field(0.02, description="Mean real revenue growth per year.")
    real_growth_sd: float = Field(0.05, ge=0, description="Between-firm sd of real growth.")

    # ------------------------------------------------------------------------ expenses
    expense_ratio_mean: float = Field(
        0.9, gt=0, description="Operating expenses (deposit + card) / revenue, mean over firms."
    )
    expense_ratio_sd: float = Field(0.05, ge=0, description="Between-firm sd of expense ratio.")
    expense_smoothing: float = Field(
        0.6,
        ge=0,
        le=1,
        description="Weight of normal (shock-free) revenue in expenses: expenses do not follow "
        "every revenue shock, so net cash flow and buffers move within firms.",
    )
    payroll_share: float = Field(
        0.35, ge=0, le=1, description="Share of deposit-paid expenses that is payroll."
    )
    rent_share: float = Field(0.1, ge=0, le=1, description="Share that is rent (one a month).")
    tax_share: float = Field(
        0.08, ge=0, le=1, description="Share that is tax (paid in Jan, Apr, Jun, Sep)."
    )
    other_expense_share: float = Field(
        0.1, ge=0, le=1, description="Share that is other_expense; suppliers take the rest."
    )
    other_income_share: float = Field(
        0.03, ge=0, le=1, description="Share of revenue arriving as other_income."
    )
    loan_share: float = Field(
        0.15, ge=0, le=1, description="Share of firms with a term loan (loan_payment monthly)."
    )
    loan_payment_share: float = Field(
        0.04, ge=0, description="Monthly loan payment / normal monthly revenue."
    )

    # -------------------------------------------------------------------- transactions
    sales_tx_per_month: float = Field(
        8.0,
        ge=0,
        description="Mean sales deposits a month, plus one per doubling of revenue "
        "above $5k a month. Target: >= 10 transactions every month (activity filter).",
    )
    supplier_tx_per_month: float = Field(
        4.0, ge=0, description="Mean supplier payments a month (at least one)."
    )
    other_expense_tx_per_month: float = Field(
        2.0, ge=0, description="Mean other_expense payments a month."
    )
    low_activity_firm_share: float = Field(
        0.05,
        ge=0,
        le=1,
        description="Share of firms with occasional quiet months (few transactions), which the "
        "report's activity filter removes. Target: the sample funnel has work.",
    )
    quiet_month_prob: float = Field(
        0.08, ge=0, le=1, description="Probability that a low-activity firm has a quiet month."
    )

    # ------------------------------------------------------------------ cash and buffer
    buffer_days_median: float = Field(
        17.0,
        gt=0,
        description="Median of the firm's target cash buffer (days of outflows). Target: "
        "median buffer days about 15-30 before 2020 (fig11).",
    )
    buffer_days_log_sd: float = Field(
        1.1, gt=0, description="Between-firm sd of the log target buffer."
    )
    buffer_days_floor: float = Field(
        6.0,
        ge=0,
        description="Smallest target buffer (days): firms keep at least this much cash, so "
        "end-of-day balances are rarely negative (overdrafts stay a few percent of days).",
    )
    buffer_propensity_corr: float = Field(
        -0.85,
        ge=-1,
        le=1,
        description="Correlation of the firm's log target buffer with its revolving "
        "propensity. Target: revolvers hold fewer buffer days (fig11: 11-13 vs 33).",
    )
    cash_adjust_speed: float = Field(
        0.35,
        ge=0,
        le=1,
        description="Share of the gap between cash and its target closed each month by owner "
        "draws (above target) or owner injections (far below target).",
    )
    injection_floor: float = Field(
        0.25,
        ge=0,
        description="The owner injects cash when cash falls below this share of the target.",
    )
    second_account_share: float = Field(
        0.25,
        ge=0,
        le=1,
        description="Share of firms with a second deposit account fed by own transfers "
        "(transfer_own, excluded from flows).",
    )
    own_transfer_share: float = Field(
        0.08, ge=0, le=1, description="Monthly transfer to the second account / revenue."
    )

    # ------------------------------------------------------------------------- cards
    card_holding_share: float = Field(
        0.88, ge=0, le=1, description="Share of firms holding a business card."
    )
    two_card_share: float = Field(
        0.08,
        ge=0,
        le=1,
        description="Share of card-holding firms with two cards (the one-card sample filter "
        "drops them).",
    )
    card_spend_share_mean: float = Field(
        0.4,
        gt=0,
        lt=1,
        description="Mean share of operating expenses charged to the card (Beta across firms). "
        "Target: median revolving balance about $8,000 (2022 $) early 2020.",
    )
    card_spend_concentration: float = Field(
        6.0, gt=0, description="Beta concentration of the card spending share."
    )
    purchases_per_cycle: float = Field(6.0, gt=0, description="Mean purchases per cycle.")
    credit_limit_months: float = Field(
        3.0,
        gt=0,
        description="Median credit limit in months of normal revenue (lognormal, sd 0.5), "
        "clipped to $2,000-$150,000. Purchases stop at the limit.",
    )
    apr: float = Field(
        0.18, ge=0, description="Annual rate; interest = apr/12 x carried balance, next cycle."
    )
    late_fee: float = Field(39.0, ge=0, description="Fee posted in a cycle with a late payment.")
    refund_prob: float = Field(0.08, ge=0, le=1, description="Probability of a refund a cycle.")
    cash_advance_prob: float = Field(
        0.01, ge=0, le=1, description="Probability of a cash advance a cycle."
    )
    cash_advance_fee_rate: float = Field(
        0.05, ge=0, description="Fee on a cash advance (share of the advance)."
    )
    grace_days_min: int = Field(
        21, ge=1, description="Shortest grace period (days from statement to due date)."
    )
    grace_days_max: int = Field(
        25, ge=1, description="Longest grace period. Target: payments about 21-25 days after."
    )
    pay_days_before_due: float = Field(
        4.0, ge=0, description="Mean days before the due date that an on-time payment posts."
    )
    late_prob_full: float = Field(
        0.03,
        ge=0,
        le=1,
        description="Probability that a firm paying in full pays after the due date (before "
        "the next statement): the revolving the report's Box 1 misses.",
    )
    late_prob_partial: float = Field(
        0.08, ge=0, le=1, description="Probability that a partial payment posts late."
    )
    min_payment_share: float = Field(
        0.02, ge=0, le=1, description="Minimum payment share of the statement balance."
    )
    min_payment_floor: float = Field(25.0, ge=0, description="Minimum payment in dollars.")
    partial_pay_mean: float = Field(
        0.15,
        gt=0,
        lt=1,
        description="Mean share of the statement a revolver pays (Beta, concentration 4). "
        "Target: median revolving balance.",
    )

    # ------------------------------------------------------------- the payment decision
    revolve_intercept: float = Field(
        -2.6,
        description="Logit intercept of revolving (at the median buffer). Target: about one "
        "third of firms revolving 2012-2019 (fig02).",
    )
    revolve_firm_sd: float = Field(
        4.0,
        ge=0,
        description="Sd of the persistent firm propensity (random effect). Target: fig06 "
        "(about half never revolve, about 20% every month) and a flatter FE slope (fig08).",
    )
    revolve_state_dependence: float = Field(
        2.6,
        description="Logit shift when the previous cycle revolved. Target: fig07 transitions "
        "(0->0 88%, 12->12 75%).",
    )
    revolve_buffer_slope: float = Field(
        -1.2,
        description="Logit slope on log(1 + buffer days / 20), buffer days measured as cash "
        "over average daily outflows. Target: fig08 (35-36% at 10 days, 30-32% at 20), fig12.",
    )
    revolve_industry_shift: dict[str, float] = Field(
        default_factory=lambda: _by_industry(_REVOLVE),
        description="Logit shift by industry. Target: fig05/fig09 (gap about 19 / 11 points).",
    )
    revolve_size_slope: float = Field(
        -0.25,
        description="Logit shift per sd of log revenue. Target: larger firms revolve less (fig04).",
    )
    revolve_pandemic_shift: float = Field(
        -0.9,
        description="Logit shift from April 2020 to June 2021 (firms repaid card debt). "
        "Target: share below 30% after March 2020 (fig02).",
    )
    revolve_recovery_shift: float = Field(
        -0.5,
        description="Logit shift from July 2021 on (the share rises again). Target: fig02.",
    )

    # ---------------------------------------------------------------------- pandemic
    pandemic_revenue_drop: float = Field(
        0.3,
        ge=0,
        lt=1,
        description="Revenue drop at the trough (April 2020), recovering linearly by mid 2021.",
    )
    pandemic_expense_cut: float = Field(
        0.25, ge=0, lt=1, description="Cut in expenses (and card spending) at the trough."
    )
    relief_prob: float = Field(
        0.65, ge=0, le=1, description="Probability of a PPP-like relief inflow in May-June 2020."
    )
    relief_months_of_payroll: float = Field(
        3.0, ge=0, description="Relief amount in months of pre-pandemic payroll."
    )
    relief_second_prob: float = Field(
        0.35, ge=0, le=1, description="Probability of a second relief inflow in Feb-Mar 2021."
    )
    eidl_prob: float = Field(
        0.3, ge=0, le=1, description="Probability of an EIDL-like advance ($1k-$10k) mid 2020."
    )
    pandemic_buffer_multiplier: float = Field(
        2.1,
        ge=0,
        description="Firms' target buffer multiplied by this from May 2020 on (they keep the "
        "relief cash). Target: median ADB index 140-170 after May 2020 (fig03).",
    )

    @model_validator(mode="after")
    def _check(self) -> Calibration:
        total = sum(self.industry_mix.values())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"industry_mix must sum to 1, not {total}")
        if any(v < 0 for v in self.industry_mix.values()):
            raise ValueError("industry_mix shares must be non-negative")
        if abs(sum(self.regions.values()) - 1.0) > 1e-6:
            raise ValueError("regions must sum to 1")
        for name in (
            "revenue_industry_multiplier",
            "seasonal_amplitude",
            "seasonal_peak_month",
            "revolve_industry_shift",
        ):
            missing = set(self.industry_mix) - set(getattr(self, name))
            if missing:
                raise ValueError(f"{name} lacks industries {sorted(missing)}")
        if self.grace_days_max < self.grace_days_min or self.grace_days_max > 27:
            raise ValueError("grace days must satisfy min <= max <= 27 (shorter than a cycle)")
        return self
