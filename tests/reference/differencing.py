"""An independent adversary: rebuild suppressed cells from the published files only.

Provenance: issue 13 ("Suppressed cells can be rebuilt from published ones") lists the
attacks; a statistical agency's reviewer runs the same ones on a table release. This code
shares nothing with ``econscope.disclosure`` or ``econscope.smallbiz.results.secondary``:
it reads the CSV files a reader would download, solves relations by elimination (one
unknown at a time, the way a person with a spreadsheet does it), and compares what it
rebuilt with the truth of an unsuppressed run (the same analysis with k = 1).

Every attack returns a list of findings (strings naming the rebuilt cell); an empty list
means the publication held.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

_DIMS = {
    "fig02": ["month"],
    "fig04": ["month", "size_class"],
    "fig05": ["industry", "year"],
    "fig06": ["year", "months_revolved"],
    "fig12": ["month", "buffer_group"],
    "tabA1": ["industry"],
}


def read(folder: Path) -> dict[str, pd.DataFrame]:
    """Every CSV of a results folder, as text where it is a dimension."""
    out = {}
    for path in sorted(folder.glob("*.csv")):
        out[path.stem] = pd.read_csv(path, dtype={"months_revolved": str, "year": str})
    return out


def _cell(df: pd.DataFrame, table: str, measure: str) -> dict[tuple, tuple]:
    """(dims) -> (value, n_firms, suppressed) of one measure."""
    sub = df[df["measure"] == measure]
    return {
        tuple(str(r[d]) for d in _DIMS[table]): (r["value"], r["n_firms"], bool(r["suppressed"]))
        for _, r in sub.iterrows()
    }


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def attack_margins(pub: Mapping[str, pd.DataFrame], truth: Mapping[str, pd.DataFrame]) -> list[str]:
    """fig02 (all firms) minus published size classes (fig04) or buffer groups (fig12)
    gives the last group's firms and revolvers, assuming every firm-month is in a group."""
    found = []
    parent = _cell(pub["fig02"], "fig02", "share_revolving")
    for table in ("fig04", "fig12"):
        children = _cell(pub[table], table, "share_revolving")
        real = _cell(truth[table], table, "share_revolving")
        months = {d[0] for d in children}
        for month in sorted(months):
            p = parent.get((month,))
            if p is None or p[2]:
                continue
            n_all, r_all = float(p[1]), float(p[0]) * float(p[1])
            kids = {d: v for d, v in children.items() if d[0] == month}
            hidden = [d for d, v in kids.items() if v[2]]
            if len(hidden) != 1:
                continue
            n = n_all - sum(float(v[1]) for d, v in kids.items() if d not in hidden)
            r = r_all - sum(float(v[0]) * float(v[1]) for d, v in kids.items() if d not in hidden)
            t = real[hidden[0]]
            if n > 0 and _close(n, float(t[1])) and _close(r / n, float(t[0])):
                found.append(f"{table} {hidden[0]}: rebuilt from fig02 minus the other groups")
    return found


def attack_residuals(
    pub: Mapping[str, pd.DataFrame], truth: Mapping[str, pd.DataFrame], k: int
) -> list[str]:
    """fig02 minus every published group gives the firm-months in no group (no size
    class, no buffer days): a group of 1 to k-1 firms is disclosed."""
    found = []
    parent = _cell(pub["fig02"], "fig02", "share_revolving")
    for table in ("fig04", "fig12"):
        children = _cell(pub[table], table, "share_revolving")
        for (month,), p in parent.items():
            kids = [v for d, v in children.items() if d[0] == month]
            if p[2] or any(v[2] for v in kids):
                continue
            rest = float(p[1]) - sum(float(v[1]) for v in kids)
            if 0 < round(rest) < k:
                found.append(f"{table} {month}: {round(rest)} firms in no group")
    return found


def attack_complements(
    pub: Mapping[str, pd.DataFrame], truth: Mapping[str, pd.DataFrame]
) -> list[str]:
    """fig06: per year the shares 0..12 sum to 1 and "1-11" is the sum of 1..11; solve
    every relation that has one unknown, repeatedly."""
    found = []
    cells = _cell(pub["fig06"], "fig06", "share_of_firms")
    real = _cell(truth["fig06"], "fig06", "share_of_firms")
    parts = [str(m) for m in range(13)]
    for year in sorted({d[0] for d in cells}):
        known = {m: float(cells[(year, m)][0]) for m in [*parts, "1-11"] if not cells[(year, m)][2]}
        relations = [([*parts], 1.0), ([*parts[1:12]], "1-11"), (["0", "1-11", "12"], 1.0)]
        changed = True
        while changed:
            changed = False
            for members, total in relations:
                group = [*members] + ([total] if isinstance(total, str) else [])
                unknown = [m for m in group if m not in known]
                if len(unknown) != 1:
                    continue
                u = unknown[0]
                total_value = known[total] if isinstance(total, str) else total
                if u == total:
                    known[u] = sum(known[m] for m in members)
                else:
                    known[u] = total_value - sum(known[m] for m in members if m != u)
                changed = True
                if _close(known[u], float(real[(year, u)][0])):
                    found.append(f"fig06 {year} {u}: rebuilt as a complement")
    return found


def attack_total(pub: Mapping[str, pd.DataFrame], total_firms: int) -> list[str]:
    """tabA1: the panel's firms (the funnel publishes them) minus published industries."""
    cells = _cell(pub["tabA1"], "tabA1", "firms")
    hidden = [d for d, v in cells.items() if v[2]]
    if len(hidden) == 1:
        rest = total_firms - sum(float(v[0]) for d, v in cells.items() if not v[2])
        return [f"tabA1 {hidden[0]}: {rest:g} firms by subtraction from the total"]
    return []


def attack_siblings(pub: Mapping[str, pd.DataFrame]) -> list[str]:
    """A hidden share beside a published median of the same firms: the median's n_firms
    counts the revolvers, and the month's firms follow from other tables."""
    found = []
    for table in ("fig02", "fig04", "fig05", "fig12"):
        share = _cell(pub[table], table, "share_revolving")
        median = _cell(pub[table], table, "median_revolving_balance")
        for dims, v in share.items():
            if v[2] and dims in median and not median[dims][2]:
                found.append(f"{table} {dims}: hidden share, published median of its firms")
    return found


def _industry_terms(models: pd.DataFrame, model: str) -> dict[str, float]:
    return {
        str(t)[len("industry[T.") : -1]: float(e)
        for m, t, e in zip(models["model"], models["term"], models["estimate"], strict=True)
        if m == model and str(t).startswith("industry[T.")
    }


def attack_coefficients(pub: Mapping[str, pd.DataFrame]) -> list[str]:
    """fig09: a hidden industry's prediction = a published industry's prediction minus its
    coefficient plus the hidden industry's (LPM exactly; logit on the log-odds scale). The
    base industry (the one fig09 lists without a term) has coefficient 0."""
    found = []
    for model in ("lpm", "logit"):
        coef = _industry_terms(pub["models"], model)
        if not coef and not (pub["models"]["model"] == model).any():
            continue  # model withheld: nothing to difference against
        rows = pub["fig09"][pub["fig09"]["model"] == model]
        levels = [str(i) for i in rows["industry"]]
        known = {lvl: coef.get(lvl, 0.0) for lvl in levels if lvl in coef or len(levels) > 1}
        shown = [str(r["industry"]) for _, r in rows.iterrows() if not r["suppressed"]]
        for _, r in rows[rows["suppressed"]].iterrows():
            ind = str(r["industry"])
            helpers = [o for o in shown if o in known]
            if ind in known and helpers:
                found.append(f"fig09 {model} {ind}: rebuilt from {helpers[0]} and the terms")
    return found


def attack_model_terms(
    pub: Mapping[str, pd.DataFrame], firms: Mapping[str, int], k: int
) -> list[str]:
    """Every published industry coefficient must describe at least k firms: a level named
    in the data counts its firms; a pooled level counts the firms of every industry that
    no published level names."""
    found = []
    models = pub["models"]
    for model in ("lpm", "logit"):
        terms = [
            str(t)[len("industry[T.") : -1]
            for m, t in zip(models["model"], models["term"], strict=True)
            if m == model and str(t).startswith("industry[T.")
        ]
        named = set(terms) | set(pub["fig09"].loc[pub["fig09"]["model"] == model, "industry"])
        for level in terms:
            n = firms.get(level)
            if n is None:  # the pool: every industry not named
                n = sum(v for ind, v in firms.items() if ind not in named)
            if n < k:
                found.append(f"models {model} industry[T.{level}]: {n} firms")
    return found


def attack_model_counts(pub: Mapping[str, pd.DataFrame], k: int) -> list[str]:
    """models_fit: two models' n_firms (or n_obs) differing by 1..k-1 count the firms
    one sample has and the other has not; the same for fig09's n_firms per industry."""
    found = []
    fit = pub["models_fit"].dropna(subset=["n_firms"])
    for col in ("n_firms", "n_obs"):
        values = sorted(set(fit[col].astype(int)))
        found += [
            f"models_fit {col}: {b} vs {a}" for a, b in itertools.pairwise(values) if 0 < b - a < k
        ]
    f09 = pub["fig09"].dropna(subset=["n_firms"])
    for ind, group in f09.groupby("industry"):
        values = sorted(set(group["n_firms"].astype(int)))
        found += [
            f"fig09 {ind} n_firms: {b} vs {a}"
            for a, b in itertools.pairwise(values)
            if 0 < b - a < k
        ]
    return found


def attack_all(
    pub: Mapping[str, pd.DataFrame],
    truth: Mapping[str, pd.DataFrame],
    *,
    k: int,
    total_firms: int,
    industry_firms: Mapping[str, int],
) -> list[str]:
    """Every attack above; the findings of all of them."""
    return [
        *attack_margins(pub, truth),
        *attack_residuals(pub, truth, k),
        *attack_complements(pub, truth),
        *attack_total(pub, total_firms),
        *attack_siblings(pub),
        *attack_coefficients(pub),
        *attack_model_terms(pub, industry_firms, k),
        *attack_model_counts(pub, k),
        *attack_sibling_counts(pub, truth, k),
    ]


# -- the non-result tables: funnel, accounting, quarantine summary, models vs the panel --


def _eliminate(relations: list[dict[str, int]], known: dict[str, float]) -> dict[str, float]:
    """Solve ``sum(coef * var) == 0`` one unknown at a time until nothing changes (what a
    reader with a spreadsheet does); returns every value known at the end."""
    known = dict(known)
    changed = True
    while changed:
        changed = False
        for rel in relations:
            unknown = [v for v in rel if v not in known]
            if len(unknown) == 1:
                (u,) = unknown
                rest = sum(c * known[v] for v, c in rel.items() if v != u)
                known[u] = -rest / rel[u]
                changed = True
    return known


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def attack_funnel(pub: pd.DataFrame, truth: pd.DataFrame, k: int) -> list[str]:
    """The funnel as published: no count of 1..k-1 is shown, and no hidden count follows
    from ``before = after + dropped`` and ``after = next before``."""
    found = []
    pub = pub.sort_values("step").reset_index(drop=True)
    truth = truth.sort_values("step").reset_index(drop=True)
    for kind in ("firms", "rows"):
        relations, known, hidden = [], {}, {}
        for i in range(len(pub)):
            names = {p: f"{kind}_{p}@{i}" for p in ("before", "after", "dropped")}
            relations.append({names["before"]: 1, names["after"]: -1, names["dropped"]: -1})
            if i:
                relations.append({f"{kind}_after@{i - 1}": 1, names["before"]: -1})
            for part, name in names.items():
                value = pub.loc[i, f"{kind}_{part}"]
                if _missing(value):
                    hidden[name] = int(truth.loc[i, f"{kind}_{part}"])
                else:
                    known[name] = float(value)
                    if 0 < float(value) < k:
                        found.append(f"funnel {name}: {int(value)} published")
        solved = _eliminate(relations, known)
        found += [
            f"funnel {name}: rebuilt {solved[name]:g}"
            for name, true in hidden.items()
            if name in solved and _close(solved[name], true) and _sensitive(truth, name, k)
        ]
    return found


def _sensitive(truth: pd.DataFrame, name: str, k: int) -> bool:
    """A funnel count a reader must not rebuild: of 1 to k-1 firms, or the statements of
    a step's firms when those are 1 to k-1 (a hidden cover of more firms may be rebuilt:
    only sensitive cells are protected, as in statistical agencies' cell suppression)."""
    column, pos = name.split("@")
    firms = truth.loc[int(pos), column.replace("rows_", "firms_")]
    return 0 < int(firms) < k


def attack_quality(
    acc: pd.DataFrame,
    quar: pd.DataFrame,
    acc_truth: pd.DataFrame,
    quar_truth: pd.DataFrame,
    k: int,
) -> list[str]:
    """Accounting and quarantine summary as published: no count of 1..k-1 rows shown; no
    hidden count rebuilt from ``in = accepted + quarantined``, ``quarantined = sum of
    reasons`` and the run's totals read and quarantined (the run summary prints them)."""
    found, relations, known, hidden = [], [], {}, {}
    cols = ("rows_in", "rows_accepted", "rows_quarantined")

    def take(name: str, value: object, true: object) -> None:
        if _missing(value):
            hidden[name] = int(true)
        else:
            known[name] = float(value)
            if 0 < float(value) < k:
                found.append(f"quality {name}: {int(value)} published")

    for i, row in acc.reset_index(drop=True).iterrows():
        t = str(row["table"])
        for c in cols:
            take(f"{t}.{c}", row[c], acc_truth.reset_index(drop=True).loc[i, c])
        relations.append({f"{t}.rows_in": 1, f"{t}.rows_accepted": -1, f"{t}.rows_quarantined": -1})
        reasons = quar[quar["table"].astype(str) == t]
        if len(reasons):
            relations.append(
                {f"{t}.rows_quarantined": 1, **{f"{t}/{r}": -1 for r in reasons["reason"]}}
            )
        note = row.get("notes")
        if isinstance(note, str):
            for number in re.findall(r"(?<![\w.,])\d+(?![\w.,])", note):
                if 0 < int(number) < k:
                    found.append(f"quality {t} note: {number} in {note!r}")
    for i, row in quar.reset_index(drop=True).iterrows():
        take(
            f"{row['table']}/{row['reason']}",
            row["rows"],
            quar_truth.reset_index(drop=True).loc[i, "rows"],
        )
    for c in ("rows_in", "rows_quarantined"):
        known[f"total.{c}"] = float(acc_truth[c].sum())
        relations.append({f"total.{c}": 1, **{f"{t}.{c}": -1 for t in acc["table"].astype(str)}})
    solved = _eliminate(relations, known)
    found += [
        f"quality {name}: rebuilt {solved[name]:g}"
        for name, true in hidden.items()
        if name in solved and _close(solved[name], true) and 0 < true < k
    ]
    return found


def attack_models_vs_panel(pub: Mapping[str, pd.DataFrame], panel_firms: int, k: int) -> list[str]:
    """A model's n_firms 1..k-1 below the panel's firms (the funnel's last count) counts
    the firms the model dropped.

    When every model count is a multiple of k, the reader takes them as rounded down
    (docs/disclosure.md, rule 4): the model's firms n lie in [n', n' + k - 1] and at most
    the panel's, so the dropped firms d lie in an interval; a leak is an interval that
    pins d to one value of 1..k-1."""
    fit = pub["models_fit"].dropna(subset=["n_firms"])
    counts = [int(v) for v in (*fit["n_firms"], *fit["n_obs"])]
    rounded = k > 1 and bool(counts) and all(v % k == 0 for v in counts)
    found = []
    for model, n in zip(fit["model"], fit["n_firms"].astype(int), strict=True):
        high = panel_firms - n
        low = max(0, panel_firms - n - (k - 1)) if rounded else high
        if low == high and 0 < high < k:
            found.append(f"models_fit {model} n_firms {n} vs panel {panel_firms}")
    return found


_MONEY_MEDIANS = {
    "fig02": ("median_revolving_balance",),
    "fig03": ("median_adb", "median_adb_index"),
    "cashflow": ("median_revenues", "median_expenses", "median_net_cash_flow",
                 "median_total_outflows"),
    "fig04": ("median_revolving_balance",),
    "fig05": ("median_revolving_balance",),
    "fig12": ("median_revolving_balance",),
    "tabA1": ("median_annual_revenue",),
}  # fmt: skip


def attack_small_medians(pub: Mapping[str, pd.DataFrame], min_firms: int) -> list[str]:
    """A published median of money of fewer than ``min_firms`` firms (one or two firms'
    own values in a small crowd)."""
    found = []
    for table, measures in _MONEY_MEDIANS.items():
        df = pub[table]
        shown = df[df["measure"].isin(measures) & df["value"].notna()]
        found += [
            f"{table} {r['measure']}: median of {int(r['n_firms'])} firms"
            for _, r in shown.iterrows()
            if int(r["n_firms"]) < min_firms
        ]
    return found


def attack_sibling_counts(
    pub: Mapping[str, pd.DataFrame], truth: Mapping[str, pd.DataFrame], k: int
) -> list[str]:
    """Counts other tables repeat: fig11's revolvers (transactors) are the revolvers
    (non-revolvers) of fig12's buffer groups, so fig11 minus the published groups gives a
    hidden group's count; fig03's firms with an ADB and fig10's revolvers are fig02's
    firms and revolvers in most months, so they give a hidden fig02 share. A finding is a
    rebuilt count below k of a cell that describes 1 to k-1 firms (in or out), or a
    rebuilt share of such a cell."""
    found = []
    f12 = _cell(pub["fig12"], "fig12", "share_revolving")
    f12_true = _cell(truth["fig12"], "fig12", "share_revolving")
    f11 = pub["fig11"].dropna(subset=["n_firms"])
    for (month, group), n11 in zip(
        zip(f11["month"].astype(str), f11["group"], strict=True), f11["n_firms"], strict=True
    ):
        kids = {d: v for d, v in f12.items() if d[0] == month}
        hidden = [d for d, v in kids.items() if v[2]]
        if len(hidden) != 1:
            continue
        part = (
            (lambda v: float(v[0]) * float(v[1]))
            if group == "revolvers"
            else (lambda v: float(v[1]) - float(v[0]) * float(v[1]))
        )
        rebuilt = float(n11) - sum(part(v) for d, v in kids.items() if d not in hidden)
        share, n = f12_true[hidden[0]][0], f12_true[hidden[0]][1]
        true = part((share, n))
        small = min(float(share) * float(n), float(n) - float(share) * float(n))
        if _close(rebuilt, true) and true < k and (0 < small < k or float(n) < k):
            found.append(f"fig12 {hidden[0]}: {group} rebuilt from fig11 minus other groups")
    f02 = _cell(pub["fig02"], "fig02", "share_revolving")
    f02_true = _cell(truth["fig02"], "fig02", "share_revolving")
    f03 = _cell(pub["fig03"], "fig02", "median_adb")
    f10 = _cell(pub["fig10"], "fig02", "share_adb_covers_balance")
    for dims, v in f02.items():
        if not v[2] or dims not in f03 or dims not in f10 or f03[dims][2] or f10[dims][2]:
            continue
        share, n = f02_true[dims][0], f02_true[dims][1]
        r = float(share) * float(n)
        if _close(float(f10[dims][1]) / float(f03[dims][1]), float(share)) and (
            0 < min(r, float(n) - r) < k
        ):
            found.append(f"fig02 {dims}: share rebuilt as fig10 revolvers / fig03 firms")
    return found
