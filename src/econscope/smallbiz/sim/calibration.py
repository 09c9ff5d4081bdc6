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

An invalid calibration is a :class:`~econscope.errors.ConfigError` naming the field:

>>> try:
...     Calibration(apr=-1)
... except ConfigError as exc:
...     print(str(exc).split(". Hint")[0])
invalid calibration: apr: Input should be greater than or equal to 0
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from econscope.config import DEFAULT_INDUSTRIES
from econscope.errors import ConfigError

__all__ = ["Calibration"]

_MIX = (0.14, 0.09, 0.06, 0.12, 0.10, 0.08, 0.09, 0.12, 0.07, 0.03, 0.04, 0.06)
# Median annual revenue multiplier by industry (tabA1 shape: construction ~$226k in 2022).
_REV = (2.4, 1.5, 1.2, 1.0, 0.55, 0.9, 1.1, 1.0, 0.9, 1.4, 1.5, 1.8)
# Logit shift of the revolving propensity (fig05: construction highest, health care lowest,
# personal services between; gap about 19 points in 2022).
_REVOLVE = (1.65, -0.75, -0.2, 0.0, 0.95, 0.25, 0.0, -0.1, -0.1, -0.5, 0.05, -0.1)
# Multiplier on the target cash buffer by industry (fig09: industries differ in cash as well
# as in propensity; construction and personal services hold less, health care and high-tech
# manufacturing more).
_BUFFER = (0.6, 1.4, 1.0, 1.0, 0.7, 1.0, 1.0, 1.0, 1.0, 1.3, 1.0, 1.0)
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
        76_000.0,
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
    real_growth_mean: float = Field(
        0.0,
        description="Mean real revenue growth per year of a firm. 0 keeps real revenue, "
        "outflows and so real balances stationary before 2020 (the report's fig03 indexes "
        "balances to January 2020; a drift would move the index).",
    )
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
        1.35, gt=0, description="Between-firm sd of the log target buffer."
    )
    buffer_days_floor: float = Field(
        4.0,
        ge=0,
        description="Smallest target buffer (days): firms keep at least this much cash, so "
        "end-of-day balances are rarely negative (overdrafts stay a few percent of days).",
    )
    buffer_days_max: float = Field(
        10_000.0,
        gt=0,
        description="Largest target buffer (days of outflows): caps the lognormal's tail, "
        "so a few firms do not hold years of outflows. Target: fig08 (the LPM and the logit "
        "agree only when buffer days are not heavy-tailed).",
    )
    buffer_days_industry_multiplier: dict[str, float] = Field(
        default_factory=lambda: _by_industry(_BUFFER),
        description="Industry multiplier on the target buffer: industries differ in cash as "
        "well as in propensity. Target: fig09 (at equal liquidity the industry range is 11 "
        "points, smaller than fig05's raw 19-point gap).",
    )
    buffer_propensity_corr: float = Field(
        -0.92,
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
        0.34,
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

    partial_pay_buffer_slope: float = Field(
        0.0,
        description="Shift of the logit of the share a revolver pays per unit of log(1 + "
        "buffer days / revolve_buffer_scale): revolvers with cash pay down more of the "
        "statement, so they carry smaller balances. Target: fig12 (revolvers with more than "
        "15 buffer days carry smaller balances), fig10 (ADB covers the statement).",
    )

    # ------------------------------------------------------------- the payment decision
    revolve_intercept: float = Field(
        -3.7,
        description="Logit intercept of revolving (at the median buffer). Target: about one "
        "third of firms revolving 2012-2019 (fig02).",
    )
    revolve_firm_sd: float = Field(
        5.5,
        ge=0,
        description="Sd of the persistent firm propensity (random effect). Target: fig06 "
        "(about half never revolve, about 20% every month) and a flatter FE slope (fig08).",
    )
    revolve_state_dependence: float = Field(
        2.0,
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
    revolve_cash_slope: float = Field(
        -0.4,
        description="Logit slope on log(1 + smoothed cash / revolve_cash_scale), cash in "
        "dollars of the window's first month: the level of cash matters besides buffer days. "
        "Target: ADB among the two largest effects and significant (the report's models).",
    )
    revolve_flow_slope: float = Field(
        0.0,
        description="Logit slope on this month's operating cash flow (revenue - expenses) "
        "as a share of normal revenue: firms revolve more in a month of unusually high "
        "expenses or low revenue. Target: the report's reading of the cash-flow covariates.",
    )
    revolve_drift_sd: float = Field(
        0.0,
        ge=0,
        description="Sd of a slowly drifting part of the firm's propensity (AR(1) by month, "
        "stationary sd). Target: fig07 (firms revolving 6 months that never revolve next year).",
    )
    revolve_drift_ar: float = Field(
        0.95, ge=0, lt=1, description="Monthly AR(1) coefficient of the drifting propensity."
    )
    revolve_spell_shift: float = Field(
        10.8,
        ge=0,
        description="Logit shift while the firm is in a credit spell (a stretch of months in "
        "which it finances itself on the card: a two-state Markov chain per firm, entered "
        "with revolve_spell_start_prob and left with revolve_spell_end_prob a month). A "
        "spell that starts or ends inside a year makes a firm revolve some months and none "
        "the next year. Target: fig06/fig07 (mid-range mobility: 23% of six-month revolvers "
        "never revolve the next year, while 75% of every-month revolvers stay).",
    )
    revolve_spell_start_prob: float = Field(
        0.008, ge=0, le=1, description="Monthly probability that a firm enters a credit spell."
    )
    revolve_spell_buffer_slope: float = Field(
        0.0,
        description="Slope of the log of the spell's start probability on log(1 + buffer "
        "days / revolve_buffer_scale), relative to the median target buffer: a firm short of "
        "cash starts a credit spell more often. Target: fig08 (revolving falls with buffer "
        "days), fig11 (revolvers hold few buffer days).",
    )
    revolve_spell_buffer_multiplier: float = Field(
        0.3,
        gt=0,
        description="Multiplier on the firm's target buffer while it is in a credit spell: "
        "the firm runs its cash down while it finances itself on the card. Target: fig11 "
        "(revolvers hold 11-13 buffer days before 2020), fig08 (revolving falls with buffer "
        "days).",
    )
    revolve_spell_end_prob: float = Field(
        0.11,
        gt=0,
        le=1,
        description="Monthly probability that a credit spell ends (mean length 1 / this).",
    )
    revolve_cash_scale: float = Field(
        10_000.0, gt=0, description="Cash scale ($) of revolve_cash_slope."
    )
    revolve_recession_shift: float = Field(
        0.6,
        description="Logit shift in January 2010 (after the 2007-2009 recession), fading "
        "linearly to 0 over revolve_recession_months. Target: revolving is higher at the "
        "start of the sample (fig02).",
    )
    revolve_recession_months: int = Field(
        36, ge=1, description="Months from January 2010 over which the recession shift fades."
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

    # ------------------------------------------------------------ history before the window
    burn_in_months: int = Field(
        36,
        ge=0,
        le=240,
        description="Months simulated before the window and not written: cash, smoothed "
        "outflows, card balances and the last payment decision of firms already banking at "
        "the window's start are warm, so the window does not start cold (report: revolving "
        "is higher at the start of the sample, not lower). The written window is unchanged.",
    )

    # ------------------------------------------------- mechanics (every constant of the model)
    smoothing_weight: float = Field(
        1 / 6,
        gt=0,
        le=1,
        description="Weight of the newest month in the firm's smoothed cash and outflows "
        "(the buffer the payment decision and the cash target see).",
    )
    tax_months: tuple[int, ...] = Field(
        (1, 4, 6, 9), description="Calendar months in which the quarterly tax is paid."
    )
    entry_open_day_max: int = Field(
        14, ge=0, le=27, description="An entrant opens its account within this many days."
    )
    first_seen_max_years: int = Field(
        15, ge=1, description="Firms banking before the window were first seen up to this."
    )
    min_life_months: int = Field(
        2, ge=1, description="Months a firm stays at least before it can exit."
    )
    expense_ratio_min: float = Field(0.5, gt=0, description="Lowest firm expense ratio.")
    expense_ratio_max: float = Field(1.2, gt=0, description="Highest firm expense ratio.")
    card_at_entry_share: float = Field(
        0.7,
        ge=0,
        le=1,
        description="Share of first cards held from the firm's start; the rest open "
        "1-card_lag_max_months later.",
    )
    card_lag_max_months: int = Field(24, ge=1, description="Latest opening of a first card.")
    second_card_lag_max_months: int = Field(
        60, ge=1, description="Latest opening of a second card (months after the first)."
    )
    card_open_days_min: int = Field(
        5, ge=1, description="A card opens at least this many days before its first statement."
    )
    card_open_days_max: int = Field(
        34, ge=1, description="... and at most this many days before it."
    )
    credit_limit_log_sd: float = Field(0.5, ge=0, description="Between-card sd of log limit.")
    credit_limit_min: float = Field(2_000.0, gt=0, description="Smallest credit limit ($).")
    credit_limit_max: float = Field(150_000.0, gt=0, description="Largest credit limit ($).")
    credit_limit_step: float = Field(500.0, gt=0, description="Limits are multiples of this.")
    first_card_spend_share: float = Field(
        0.65, ge=0, le=1, description="Share of card spending on the first of two cards."
    )
    relief_months: tuple[int, int] = Field(
        (2, 3),
        description="First relief inflow: months after March 2020 (2 = May, 3 = June).",
    )
    relief_second_months: tuple[int, int] = Field(
        (11, 12), description="Second relief inflow (11 = February 2021, 12 = March 2021)."
    )
    eidl_months: tuple[int, int] = Field(
        (3, 4), description="EIDL-like advance (3 = June 2020, 4 = July 2020)."
    )
    eidl_min: float = Field(
        1_000.0, ge=0, description="Smallest EIDL advance ($, whole thousands)."
    )
    eidl_max: float = Field(
        10_000.0, ge=0, description="Largest EIDL advance ($, whole thousands)."
    )
    sales_tx_min: int = Field(
        6, ge=0, description="Sales deposits every month at least (before the Poisson part)."
    )
    sales_tx_revenue_base: float = Field(
        5_000.0,
        gt=0,
        description="One more sales deposit a month per doubling of revenue above this ($ of "
        "the window's first month).",
    )
    quiet_sales_max: int = Field(3, ge=1, description="Sales deposits in a quiet month, at most.")
    other_income_tx_per_month: float = Field(
        0.6, ge=0, description="Mean other_income deposits a month."
    )
    payroll_mid_day: int = Field(15, ge=1, le=28, description="Day of the mid-month payroll.")
    rent_day_max: int = Field(5, ge=1, le=28, description="Rent is paid by this day.")
    loan_payment_day: int = Field(10, ge=1, le=28, description="Day of the loan payment.")
    loan_term_months: int = Field(
        24, ge=1, description="A loan taken at entry brings this many monthly payments."
    )
    refund_share_min: float = Field(0.02, ge=0, le=1, description="Smallest refund share.")
    refund_share_max: float = Field(0.2, ge=0, le=1, description="Largest refund share.")
    cash_advance_min: float = Field(200.0, ge=0, description="Smallest cash advance ($).")
    cash_advance_max: float = Field(1_500.0, ge=0, description="Largest cash advance ($).")
    partial_pay_concentration: float = Field(
        4.0, gt=0, description="Beta concentration of the share a revolver pays."
    )
    revolve_buffer_scale: float = Field(
        20.0,
        gt=0,
        description="Buffer days in the decision enter as log(1 + buffer / this).",
    )
    pandemic_shift_months: int = Field(
        15,
        ge=1,
        description="revolve_pandemic_shift applies 1..this months after March 2020; "
        "revolve_recovery_shift after.",
    )
    pandemic_recovery_months: int = Field(
        15, ge=1, description="Revenue and expenses recover linearly over this many months."
    )
    pandemic_buffer_from_month: int = Field(
        2, ge=0, description="The buffer multiplier applies from this month after March 2020."
    )
    transfer_back_prob: float = Field(
        0.15,
        ge=0,
        le=1,
        description="Monthly probability of moving cash back from the second account.",
    )
    transfer_back_share_min: float = Field(
        0.3, ge=0, le=1, description="Smallest share of the second account moved back."
    )
    transfer_out_prob: float = Field(
        0.5, ge=0, le=1, description="Monthly probability of moving surplus to the second one."
    )
    draw_days_before_month_end: int = Field(
        6, ge=0, le=27, description="Owner draws post in the month's last days."
    )
    injection_days: int = Field(
        10, ge=0, le=27, description="Owner injections post in the month's first days."
    )
    injection_target_share: float = Field(
        0.6, ge=0, description="An injection tops cash up to this share of the target."
    )
    initial_cash_spread: float = Field(
        0.3,
        ge=0,
        lt=1,
        description="Cash at the start is the target x uniform(1 - this, 1 + this).",
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
            "buffer_days_industry_multiplier",
        ):
            missing = set(self.industry_mix) - set(getattr(self, name))
            if missing:
                raise ValueError(f"{name} lacks industries {sorted(missing)}")
        if self.grace_days_max < self.grace_days_min or self.grace_days_max > 27:
            raise ValueError("grace days must satisfy min <= max <= 27 (shorter than a cycle)")
        for lo, hi in (
            ("expense_ratio_min", "expense_ratio_max"),
            ("card_open_days_min", "card_open_days_max"),
            ("credit_limit_min", "credit_limit_max"),
            ("refund_share_min", "refund_share_max"),
            ("cash_advance_min", "cash_advance_max"),
            ("eidl_min", "eidl_max"),
        ):
            if getattr(self, lo) > getattr(self, hi):
                raise ValueError(f"{lo} must not exceed {hi}")
        if not all(1 <= m <= 12 for m in self.tax_months):
            raise ValueError("tax_months must be calendar months 1..12")
        for name in ("relief_months", "relief_second_months", "eidl_months"):
            first, last = getattr(self, name)
            if not 0 <= first <= last:
                raise ValueError(f"{name} must be (first, last) with 0 <= first <= last")
        return self

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise ConfigError(_message(exc)) from None

    @classmethod
    def model_validate(cls, obj: Any, **kwargs: Any) -> Calibration:
        if isinstance(obj, Mapping):
            return cls(**obj)
        return super().model_validate(obj, **kwargs)

    def replace(self, **changes: Any) -> Calibration:
        """A validated copy with ``changes`` (``model_copy(update=...)`` does not validate).

        >>> Calibration().replace(apr=0.2).apr
        0.2
        """
        return Calibration(**{**self.model_dump(), **changes})


def _message(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "calibration"
    msg = str(first["msg"]).removeprefix("Value error, ")
    return (
        f"invalid calibration: {where}: {msg}. Hint: see docs/simulator.md (Calibration) "
        "for every parameter, its meaning and its range"
    )
