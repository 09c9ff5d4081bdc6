"""A toy of the simulator's monthly payment decision, for starting values of fig06/fig07.

The whole pipeline costs 1-2 minutes for 2,000 firms and reads fig07's transitions with a
noise of a few points; the decision alone (a persistent firm effect, state dependence and
credit spells, no cash or cards) simulates 20,000 firms for six years in a few seconds and
reads the same statistics: the share of firm-years that never revolve, revolve every
month or some months (fig06) and the year-to-year transitions (fig07). docs/simulator.md
("How the default calibration was found", step 5) used it to find the credit spells'
starting values and to show the trade-off between 12 -> 12 and never -> never.

``python -m benchmarks.calibrate_toy show --intercept -5.0 --firm-sd 6 --state 1.8 \\
    --spell-shift 10.8 --start 0.01 --end 0.12``
    the statistics of one setting.

``python -m benchmarks.calibrate_toy fit --budget 200``
    Nelder-Mead over (intercept, firm sd, state dependence, spell start and end) with the
    spell shift fixed, against the report's fig02/fig06/fig07 numbers.

The toy's intercept is not the simulator's: the simulator adds the buffer, cash, industry
and period terms (in the docs' runs the simulator's intercept was about the toy's + 1.2).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass

import numpy as np

# The report's numbers the toy reads (fig02 one third; fig06 2021-2022; fig07).
TARGETS: dict[str, float] = {
    "share": 1 / 3,
    "never": 0.55,
    "all12": 0.175,
    "some": 0.275,
    "t0_0": 0.88,
    "t6_0": 0.23,
    "t12_12": 0.75,
    "t11_12": 0.45,
}


@dataclass(frozen=True)
class Decision:
    """The toy's parameters (logit scale; spell probabilities a month)."""

    intercept: float
    firm_sd: float
    state: float
    spell_shift: float = 0.0
    start: float = 0.0
    end: float = 0.1


def simulate_months(d: Decision, firms: int, years: int, seed: int) -> np.ndarray:
    """Revolved (bool) by firm and month, ``firms x 12 * years``, after a two-year burn-in."""
    rng = np.random.default_rng(seed)
    alpha = d.intercept + d.firm_sd * rng.standard_normal(firms)
    in_spell = rng.random(firms) < (d.start / (d.start + d.end) if d.start > 0 else 0.0)
    prev = np.zeros(firms, dtype=bool)
    months = 12 * (years + 2)
    out = np.zeros((firms, months), dtype=bool)
    for t in range(months):
        u = rng.random(firms)
        in_spell = np.where(in_spell, u >= d.end, u < d.start)
        logit = alpha + d.state * prev + d.spell_shift * in_spell
        prev = rng.random(firms) < 1 / (1 + np.exp(-logit))
        out[:, t] = prev
    return out[:, 24:]


def statistics(revolved: np.ndarray) -> dict[str, float]:
    """fig02/fig06/fig07-like statistics of a ``firms x 12 * years`` revolved matrix.

    >>> r = np.array([[1] * 12 + [0] * 12, [1] * 6 + [0] * 6 + [0] * 12], dtype=bool)
    >>> s = statistics(r)
    >>> s["share"], s["never"], s["all12"], s["t12_12"], s["t6_0"]
    (0.375, 0.5, 0.25, 0.0, 1.0)
    """
    firms, months = revolved.shape
    counts = revolved.reshape(firms, months // 12, 12).sum(axis=2)
    this, following = counts[:, :-1].ravel(), counts[:, 1:].ravel()

    def moved(frm: int, to: int) -> float:
        mask = this == frm
        return float((following[mask] == to).mean()) if mask.any() else float("nan")

    never, every = float((counts == 0).mean()), float((counts == 12).mean())
    return {
        "share": float(revolved.mean()),
        "never": never,
        "all12": every,
        "some": 1 - never - every,
        "t0_0": moved(0, 0),
        "t6_0": moved(6, 0),
        "t12_0": moved(12, 0),
        "t12_12": moved(12, 12),
        "t11_12": moved(11, 12),
    }


def distance(stats: dict[str, float], tolerance: float = 0.03) -> float:
    """Sum of ((toy - report) / tolerance)^2 over :data:`TARGETS`."""
    return sum(((stats[k] - v) / tolerance) ** 2 for k, v in TARGETS.items())


def fit(spell_shift: float, budget: int, firms: int, seed: int) -> tuple[Decision, float]:
    """Nelder-Mead over intercept, firm sd, state dependence, logit(start), logit(end)."""
    from scipy.optimize import minimize

    def decision(z: np.ndarray) -> Decision:
        c, sd, state, ls, le = z
        return Decision(
            c, abs(sd), state, spell_shift, 1 / (1 + np.exp(-ls)), 1 / (1 + np.exp(-le))
        )

    def score(z: np.ndarray) -> float:
        return distance(statistics(simulate_months(decision(z), firms, 5, seed)))

    start = np.array([-5.0, 6.0, 1.6, -4.6, -2.0])
    res = minimize(score, start, method="Nelder-Mead", options={"maxfev": budget})
    return decision(res.x), float(res.fun)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["show", "fit"])
    parser.add_argument("--intercept", type=float, default=-5.0)
    parser.add_argument("--firm-sd", type=float, default=6.0)
    parser.add_argument("--state", type=float, default=1.8)
    parser.add_argument("--spell-shift", type=float, default=10.8)
    parser.add_argument("--start", type=float, default=0.01)
    parser.add_argument("--end", type=float, default=0.12)
    parser.add_argument("--firms", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--budget", type=int, default=200)
    args = parser.parse_args(argv)
    if args.mode == "show":
        d = Decision(
            args.intercept, args.firm_sd, args.state, args.spell_shift, args.start, args.end
        )
        stats = statistics(simulate_months(d, args.firms, 6, args.seed))
        print(json.dumps({k: round(v, 4) for k, v in stats.items()}))
        return
    d, score = fit(args.spell_shift, args.budget, args.firms, args.seed)
    print(json.dumps({"decision": d.__dict__, "distance": score}))


if __name__ == "__main__":
    main()
