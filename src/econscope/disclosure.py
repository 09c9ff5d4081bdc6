"""Statistical disclosure control of everything econscope publishes.

Two rules (DESIGN.md, "Disclosure control"):

1. **Threshold rule.** No published cell (a share, a median, a count) describes fewer
   than ``k`` firms (default 10, ``settings.disclosure.k``). :func:`suppress` blanks the
   value *and* the firm count of such a cell and marks it ``suppressed``; it never drops
   the row, so a reader sees that the cell exists and why it is empty.
2. **No identifiers.** Published files (results, figures, the report) contain no firm,
   account or card identifier. validate replaces every id by a surrogate key
   (:mod:`econscope.smallbiz.pseudonyms`), and :func:`scan_published_cells` compares the
   published cells (text cells of tables, text and embedded data of the report; never its
   JavaScript, never a number) with the keys, so a run refuses to publish a leaked key
   and never mistakes a count or a year for an id. :func:`scan_for_identifiers` (a token
   scan of whole files) and :func:`check_no_identifiers` remain for raw id lists.

>>> import pandas as pd
>>> cells = pd.DataFrame({"measure": ["share", "share"], "value": [0.3, 0.5],
...                       "n_firms": [120, 4], "suppressed": [False, False]})
>>> suppress(cells, k=10)[["value", "n_firms", "suppressed"]]
   value  n_firms  suppressed
0    0.3      120       False
1    NaN     <NA>        True
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow as pa

from econscope.errors import ConfigError, DisclosureError

__all__ = [
    "KNOWN",
    "RESIDUAL",
    "UNPROTECTED",
    "Count",
    "check_no_identifiers",
    "check_suppressed",
    "complementary_suppression",
    "determined",
    "dominance",
    "hide_cells",
    "neutralise_cells",
    "pool_levels",
    "published_cells",
    "round_counts",
    "round_significant",
    "scan_for_identifiers",
    "scan_published_cells",
    "suppress",
    "suppress_medians",
]

#: Characters an identifier token is made of. Identifiers are matched as whole tokens
#: (runs of these characters), so id "F12" is found in "F12," but not inside "F123" or
#: inside the number 2012.
_TOKEN = re.compile(r"[A-Za-z0-9_\-]+")
#: One character that no token holds; an identifier containing one is matched as a substring.
#: The same pattern classifies identifiers inside the engine (RE2 and Java regex alike).
_NOT_TOKEN_CHAR = "[^A-Za-z0-9_-]"
_NOT_TOKEN = re.compile(_NOT_TOKEN_CHAR)
_DIGITS = re.compile(r"[0-9]+\Z")
#: Numbers whose digit runs are not identifiers: decimals (100.0, 0.25, 1.2.3) and
#: thousands-grouped integers (1,234 and 1,234.5; groups of exactly three digits).
#: Dates such as 2020-04-11 need no rule: '-' joins them into one token.
_DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]+)+")
_NUMBER = re.compile(
    r"(?<![0-9.,])[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?(?![0-9])|[0-9]+(?:\.[0-9]+)+"
)


def suppress(table: pd.DataFrame, k: int) -> pd.DataFrame:
    """A copy of a tidy result table with every cell of fewer than ``k`` firms suppressed.

    Where ``n_firms < k`` (or n_firms is missing), ``value`` and ``n_firms`` become
    null and ``suppressed`` becomes true; rows already marked stay marked. Rows are
    never dropped. ``n_firms`` becomes a nullable integer column.

    Raises :class:`~econscope.errors.ConfigError` for k < 1 and
    :class:`~econscope.errors.DisclosureError` when the table lacks the cell columns.
    """
    if int(k) != k or k < 1:
        raise ConfigError(f"disclosure k must be a whole number >= 1, got {k!r}. Hint: k=10")
    missing = [c for c in ("value", "n_firms") if c not in table.columns]
    if missing:
        raise DisclosureError(
            f"cannot apply disclosure control: columns {missing} missing. "
            "Hint: every published table needs value and n_firms columns"
        )
    out = table.copy()
    n = pd.to_numeric(out["n_firms"], errors="coerce").astype("Float64")
    small = (n.isna() | (n < k)).fillna(True).astype(bool).to_numpy()
    already = (
        out["suppressed"].fillna(False).astype(bool).to_numpy()
        if "suppressed" in out.columns
        else False
    )
    hide = small | already
    out["value"] = out["value"].astype("float64").mask(hide)
    out["n_firms"] = n.mask(hide).round().astype("Int64")
    out["suppressed"] = hide
    return out


def hide_cells(table: pd.DataFrame, hide: pd.Series | np.ndarray) -> pd.DataFrame:
    """A copy of a tidy table with the cells where ``hide`` is true suppressed (value and
    n_firms blank, ``suppressed`` true); other cells unchanged, rows never dropped.

    >>> t = pd.DataFrame({"value": [1.0, 2.0], "n_firms": [12, 15], "suppressed": False})
    >>> hide_cells(t, t["n_firms"] < 14)["value"].tolist()
    [nan, 2.0]
    """
    mask = np.asarray(hide, dtype=bool)
    out = table.copy()
    out["value"] = out["value"].astype("float64").mask(mask)
    out["n_firms"] = pd.to_numeric(out["n_firms"], errors="coerce").astype("Int64").mask(mask)
    already = out["suppressed"].fillna(False).astype(bool) if "suppressed" in out else False
    out["suppressed"] = mask | already
    return out


def suppress_medians(table: pd.DataFrame, measures: Iterable[str], min_firms: int) -> pd.DataFrame:
    """A copy where every median of money (a ``measure`` in ``measures``) of fewer than
    ``min_firms`` firms is suppressed (the median rule, docs/disclosure.md).

    A median is one firm's own value (an odd count of values) or the mean of the two
    middle ones (an even count: each of the two gives the other's value back). What
    protects it is that a reader cannot tell which firm holds it, so it needs a larger
    crowd than a count: ``settings.disclosure.median_threshold()`` (2 x k by default).
    Only the median cell is hidden; hiding publishes nothing new.

    >>> t = pd.DataFrame({"measure": ["share_revolving", "median_revolving_balance"],
    ...                   "value": [0.4, 812.5], "n_firms": [14, 14], "suppressed": False})
    >>> suppress_medians(t, {"median_revolving_balance"}, 20)["suppressed"].tolist()
    [False, True]
    """
    if "measure" not in table.columns:
        return table.copy()
    n = pd.to_numeric(table["n_firms"], errors="coerce").astype("Float64")
    money = table["measure"].astype(str).isin(set(measures)).to_numpy()
    small = (n.isna() | (n < min_firms)).fillna(True).astype(bool).to_numpy()
    shown = table["value"].notna().to_numpy()
    return hide_cells(table, money & small & shown)


def dominance(
    contributions: ir.Table,
    cells: Sequence[str],
    *,
    firm: str = "firm_id",
    value: str = "value",
    share: float = 0.5,
) -> ir.Table:
    """The dominance rule for money totals and means, in the engine.

    ``contributions`` holds the rows a total (or mean) of money adds up, with the
    ``cells`` columns naming the published cell, the ``firm`` column and the ``value``.
    Per cell it returns ``total`` (the sum of absolute values), ``largest`` (the largest
    one firm's sum of absolute values), ``largest_share`` and ``dominated``: true when
    the largest firm contributes more than ``share`` of the total (a statistical
    agency's (1, share) rule: a firm that is most of a total is that total, and every
    other contributor learns it within the rest). A cell with a zero total is not
    dominated. The sums are exact: values are summed as DECIMAL(38, 6), so the order
    rows arrive in does not change them.

    >>> import ibis
    >>> t = ibis.memtable({"industry": ["a", "a", "a", "b", "b"],
    ...                    "firm_id": ["f1", "f2", "f2", "f3", "f4"],
    ...                    "value": [90.0, 5.0, 5.0, 40.0, 60.0]})
    >>> d = dominance(t, ["industry"], share=0.5).to_pandas().sort_values("industry")
    >>> d[["industry", "largest_share", "dominated"]].values.tolist()
    [['a', 0.9, True], ['b', 0.6, True]]
    """
    if not 0 < share <= 1:
        raise ConfigError(f"disclosure.dominance_share must be in (0, 1], got {share!r}. Hint: 0.5")
    exact = contributions[value].cast("float64").abs().cast("decimal(38, 6)")
    per_firm = (
        contributions.mutate(_v=exact)
        .group_by([*cells, firm])
        .aggregate(_firm_total=ibis._["_v"].sum())
    )
    per_cell = per_firm.group_by(list(cells)).aggregate(
        total=per_firm._firm_total.sum(), largest=per_firm._firm_total.max()
    )
    total = per_cell.total.cast("float64")
    largest = per_cell.largest.cast("float64")
    ratio = ibis.ifelse(total > 0, largest / total, ibis.literal(0.0))
    return per_cell.mutate(
        total=total,
        largest=largest,
        largest_share=ratio,
        dominated=(total > 0) & (largest > total * share),
    )


def check_suppressed(table: pd.DataFrame, k: int, *, name: str = "table") -> None:
    """Raise DisclosureError if any published value or count describes fewer than k firms.

    >>> import pandas as pd
    >>> table = pd.DataFrame({"value": [1.0], "n_firms": [3]})
    >>> check_suppressed(table, 10, name="fig02")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    econscope.errors.DisclosureError: fig02: 1 cell(s) publish a value of fewer than 10 ...
    """
    n = pd.to_numeric(table["n_firms"], errors="coerce")
    shown = table["value"].notna() | n.notna()
    bad = shown & (n.isna() | (n < k))
    if bool(bad.any()):
        raise DisclosureError(
            f"{name}: {int(bad.sum())} cell(s) publish a value of fewer than {k} firms. "
            "Hint: pass the table through econscope.disclosure.suppress first"
        )


def _files(paths: Iterable[str | Path]) -> Iterator[Path]:
    for p in paths:
        path = Path(p)
        if path.is_dir():
            yield from sorted(f for f in path.rglob("*") if f.is_file())
        elif path.is_file():
            yield path
        else:
            raise DisclosureError(
                f"{path}: no such file or folder to scan. Hint: pass the published outputs"
            )


def _text(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:  # binary (PNG): any clear-text id is still visible as Latin-1
        return data.decode("latin-1")


def _tokens(path: Path, text: str) -> set[str]:
    """The tokens of a file that an identifier can match: every token, less digit runs
    that are part of a number.

    A digit-only token inside a decimal (``100.0``) or a thousands-grouped integer
    (``1,234``) is a number, not an identifier. In a CSV file the comma separates cells,
    so only decimals count there: ``2020-01-01,4711,0.2`` still shows the id 4711.
    """
    numbers = _DECIMAL if path.suffix.lower() == ".csv" else _NUMBER
    spans = [m.span() for m in numbers.finditer(text)]  # sorted, not overlapping
    starts = [a for a, _ in spans]
    out: set[str] = set()
    for m in _TOKEN.finditer(text):
        token = m.group()
        if _DIGITS.match(token):
            i = bisect.bisect_right(starts, m.start()) - 1
            if i >= 0 and m.end() <= spans[i][1]:
                continue
        out.add(token)
    return out


def scan_for_identifiers(
    paths: Iterable[str | Path],
    identifiers: Iterable[str] | ir.Column,
) -> list[tuple[Path, str]]:
    """Every (file, identifier) where an identifier appears in a file under ``paths``.

    ``paths`` are files or folders (scanned recursively: CSV, HTML, SVG, JSON, any text;
    binary files are read as Latin-1). Three rules, the same for a list and an Ibis column:

    - An identifier made of letters, digits, '_' and '-' is matched as a whole token (a
      run of those characters), so ``"17"`` is not found inside 2017 nor ``"F123"``
      inside F12345.
    - A digit-only identifier is not found where its token is part of a number: the
      digits of a decimal (``4711.0``, ``0.4711``) or of a thousands-grouped integer
      (``4,711``, not in CSV files, where the comma separates cells). A date such as
      ``2020-04-11`` is one token already. So ``"4711"`` is found in ``firm 4711 leaked``,
      ``4711,0.2`` (CSV) and ``firm 4711.``, but not in ``4711.0`` or ``2020-04-11``.
    - Any other identifier (``"acct 0042/7"``, ``"a.b"``) is matched as a substring.

    ``identifiers`` may be an Ibis column (e.g. ``panel.firm_id``): then the files'
    tokens and texts are matched against it inside the engine and the identifiers never
    leave it, which scales to millions.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "fig02.csv").write_text("month,value\\n2020-01-01,F00042\\n")
    >>> [(p.name, i) for p, i in scan_for_identifiers([d], ["F00042", "F00043"])]
    [('fig02.csv', 'F00042')]
    """
    if isinstance(identifiers, str):
        raise DisclosureError(
            "identifiers must be a collection of strings or an Ibis column, not one string. "
            "Hint: wrap a single identifier in a list"
        )
    files = list(_files(paths))
    if isinstance(identifiers, ir.Column):
        return _scan_in_engine(files, identifiers)
    ids = {str(i) for i in identifiers if i is not None and str(i) != ""}
    other_ids = sorted(i for i in ids if _NOT_TOKEN.search(i))
    token_ids = ids.difference(other_ids)
    hits: list[tuple[Path, str]] = []
    for f in files:
        text = _text(f)
        found = _tokens(f, text) & token_ids
        found |= {i for i in other_ids if i in text}
        hits.extend((f, i) for i in sorted(found))
    return hits


def _scan_in_engine(files: Sequence[Path], column: ir.Column) -> list[tuple[Path, str]]:
    if not files:
        return []
    texts = {str(f): _text(f) for f in files}
    rows = [
        (name, tok) for name, text in texts.items() for tok in sorted(_tokens(Path(name), text))
    ]
    tokens = ibis.memtable(
        pa.table(
            {
                "file": pa.array([r[0] for r in rows], pa.string()),
                "token": pa.array([r[1] for r in rows], pa.string()),
            }
        )
    )
    documents = ibis.memtable(
        pa.table(
            {
                "file": pa.array(list(texts), pa.string()),
                "text": pa.array(list(texts.values()), pa.string()),
            }
        )
    )
    ids = column.cast("string").name("identifier").as_table().distinct()
    ids = ids.filter(ids.identifier.notnull() & (ids.identifier != ""))
    by_token = tokens.join(ids, tokens.token == ids.identifier).select(
        file=tokens.file, identifier=ids.identifier
    )
    # Identifiers that are not token-shaped are few: a cross join with the file texts.
    others = ids.filter(ids.identifier.re_search(_NOT_TOKEN_CHAR))
    by_text = (
        documents.cross_join(others)
        .filter(lambda t: t.text.contains(t.identifier))
        .select("file", "identifier")
    )
    found = by_token.union(by_text).to_pyarrow().to_pylist()  # only the hits leave the engine
    return sorted((Path(r["file"]), r["identifier"]) for r in found)


def check_no_identifiers(
    paths: Iterable[str | Path],
    identifiers: Iterable[str] | ir.Column,
    *,
    what: str = "published outputs",
) -> None:
    """Raise DisclosureError naming the files when any identifier appears under ``paths``.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "clean.csv").write_text("industry,value\\nretail,0.3\\n")
    >>> check_no_identifiers([d], ["F00042"])  # silent when clean
    """
    hits = scan_for_identifiers(paths, identifiers)
    if hits:
        files = sorted({str(f) for f, _ in hits})
        raise DisclosureError(
            f"{what} contain {len(hits)} firm, account or card identifier(s) "
            f"in {', '.join(files[:5])}{' ...' if len(files) > 5 else ''}. "
            "Hint: an identifier reached a published cell; a run compares published cells "
            "with its surrogate keys instead (scan_published_cells), which no count, year or "
            "label can match"
        )


# -- the publication as a whole: pooling, complementary suppression, rounding ----------


def pool_levels(firms: Mapping[str, int], k: int, label: str = "other") -> dict[str, str]:
    """Map every level of a factor to the level it is published (and fitted) as.

    ``firms`` holds the distinct firms of each level; the levels partition the firms (a
    firm has one industry). Levels of fewer than ``k`` firms are pooled into ``label``;
    while the pool itself has 1 to k-1 firms the smallest remaining level joins it, so
    every published level describes at least k firms (or all levels end in one, and the
    factor has no dummy at all). A level already named ``label`` is part of the pool.

    >>> pool_levels({"retail": 40, "mining": 3, "farms": 4}, k=10)
    {'farms': 'other', 'mining': 'other', 'retail': 'other'}
    >>> pool_levels({"retail": 40, "mining": 3, "farms": 8, "banks": 12}, k=10)
    {'banks': 'banks', 'farms': 'other', 'mining': 'other', 'retail': 'retail'}
    """
    pooled = {lvl for lvl, n in firms.items() if n < k or lvl == label}
    rest = sorted((n, lvl) for lvl, n in firms.items() if lvl not in pooled)
    while pooled and 0 < sum(firms[lvl] for lvl in pooled) < k and rest:
        pooled.add(rest.pop(0)[1])
    if not any(lvl != label for lvl in pooled):  # nothing small: keep the levels as they are
        return {lvl: lvl for lvl in sorted(firms)}
    return {lvl: (label if lvl in pooled else lvl) for lvl in sorted(firms)}


#: A count variable that is never published (a group no table shows, e.g. firm-months
#: without a size class): unknown to a reader, protected when it holds 1 to k-1 firms.
RESIDUAL = None
#: A count every reader knows (a total published elsewhere, e.g. the funnel's firms).
KNOWN = "known"
#: A count never published and not protected: an unknown of the relations (a reader
#: cannot solve through it) whose own value is not a cell (the firms on the boundary of
#: two nearly equal populations, e.g. with an ADB but no known status).
UNPROTECTED = "unprotected"
_NOT_CELLS = (RESIDUAL, KNOWN, UNPROTECTED)


@dataclass(frozen=True)
class Count:
    """One count behind the publication: its true ``value`` and the ``cell`` that shows it.

    ``cell`` is the key of a published cell (the count is known exactly while that cell is
    published), :data:`RESIDUAL` (never published) or :data:`KNOWN` (always known).
    """

    cell: Hashable
    value: int


def _null_space(a: np.ndarray) -> np.ndarray:
    if a.shape[1] == 0:
        return np.zeros((0, 0))
    if a.shape[0] == 0:
        return np.eye(a.shape[1])
    _, sv, vt = np.linalg.svd(a)
    rank = int((sv > 1e-9 * max(1.0, float(sv.max(initial=0.0)))).sum())
    return vt[rank:].T


def determined(
    counts: Mapping[Hashable, Count],
    relations: Sequence[Mapping[Hashable, int]],
    hidden: set[Hashable],
) -> set[Hashable]:
    """The unknown counts a reader can compute exactly from the known ones and ``relations``.

    A count is unknown when its cell is hidden or it is a residual. Every relation says
    ``sum(coef * count) == 0``. An unknown count is determined exactly when every solution
    of the relations agrees on it: its row of the relations' null space (restricted to the
    unknowns) is zero. This is the linear attack of a reader who has every published table.

    >>> c = {"all": Count("A", 30), "a": Count("a", 27), "b": Count("b", 3)}
    >>> sorted(determined(c, [{"all": 1, "a": -1, "b": -1}], hidden={"b"}))
    ['b']
    >>> sorted(determined(c, [{"all": 1, "a": -1, "b": -1}], hidden={"a", "b"}))
    []
    """
    unknown = sorted(
        (
            v
            for v, c in counts.items()
            if c.cell is RESIDUAL or c.cell == UNPROTECTED or c.cell in hidden
        ),
        key=str,
    )
    if not unknown:
        return set()
    index = {v: i for i, v in enumerate(unknown)}
    rows = [r for r in relations if any(v in index for v in r)]
    a = np.zeros((len(rows), len(unknown)))
    for i, rel in enumerate(rows):
        for v, coef in rel.items():
            if v in index:
                a[i, index[v]] = coef
    null = _null_space(a)
    free = np.abs(null).max(axis=1, initial=0.0) > 1e-9 if null.size else np.zeros(len(unknown))
    return {v for v in unknown if not free[index[v]]}


def complementary_suppression(
    counts: Mapping[Hashable, Count],
    relations: Sequence[Mapping[Hashable, int]],
    hidden: set[Hashable],
    k: int,
    cost: Mapping[Hashable, float] | None = None,
    sensitive: Iterable[Hashable] = (),
) -> set[Hashable]:
    """The cells to hide so that no protected count can be computed from published ones.

    Protected: every count below k (zero included) of a cell hidden before this call
    (primary suppression: its small count is what makes it sensitive; a count of at least
    k firms of that cell, such as the month's firms beside 2 revolvers, is not), and every
    residual of 1 to k-1 firms. A cell hidden here (a cover) is not itself protected: as
    in statistical agencies' cell suppression, only sensitive cells need protection.
    Every count of a ``sensitive`` cell is protected whatever its size (the statements of
    a funnel step that dropped 3 firms).
    While :func:`determined` finds a protected count, the cheapest
    published cell (smallest ``cost``, default its count, ties by key) that shares a
    relation with it is hidden too: secondary suppression. Returns ``hidden`` plus the
    cells added. Deterministic: the same inputs give the same cells.

    >>> c = {"all": Count(KNOWN, 30), "a": Count("a", 20), "b": Count("b", 7),
    ...      "c": Count("c", 3)}
    >>> sorted(complementary_suppression(c, [{"all": 1, "a": -1, "b": -1, "c": -1}],
    ...                                  {"c"}, k=10))
    ['b', 'c']
    """
    hidden = set(hidden) | set(sensitive)
    primary = frozenset(hidden)
    always = frozenset(sensitive)
    weight = dict(cost or {})
    for c in counts.values():
        if c.cell not in _NOT_CELLS:
            weight.setdefault(c.cell, float(c.value))
    for component in _components(counts, relations):
        hidden |= _protect_component(counts, component, hidden, k, weight, primary, always)
    return hidden


def _components(
    counts: Mapping[Hashable, Count], relations: Sequence[Mapping[Hashable, int]]
) -> list[list[Mapping[Hashable, int]]]:
    """Relations grouped into independent systems (linked by a shared count or cell)."""
    parent: dict[Hashable, Hashable] = {}

    def find(x: Hashable) -> Hashable:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def nodes(rel: Mapping[Hashable, int]) -> list[Hashable]:
        out: list[Hashable] = [("var", v) for v in rel]
        out += [("cell", counts[v].cell) for v in rel if counts[v].cell not in _NOT_CELLS]
        return out

    for rel in relations:
        first, *rest = nodes(rel)
        for node in rest:
            parent[find(node)] = find(first)
    groups: dict[Hashable, list[Mapping[Hashable, int]]] = {}
    for rel in relations:
        groups.setdefault(find(nodes(rel)[0]), []).append(rel)
    return [groups[g] for g in sorted(groups, key=str)]


def _protect_component(
    counts: Mapping[Hashable, Count],
    relations: Sequence[Mapping[Hashable, int]],
    hidden: set[Hashable],
    k: int,
    weight: Mapping[Hashable, float],
    primary: frozenset[Hashable],
    always: frozenset[Hashable] = frozenset(),
) -> set[Hashable]:
    hidden = set(hidden)
    cells_of: dict[Hashable, set[Hashable]] = {}
    for rel in relations:
        cells = {counts[v].cell for v in rel if counts[v].cell not in _NOT_CELLS}
        for v in rel:
            cells_of.setdefault(v, set()).update(cells)
    sub = {v: counts[v] for rel in relations for v in rel}

    def leaks_of(cells: set[Hashable]) -> list[Hashable]:
        return sorted(
            (
                v
                for v in determined(sub, relations, cells)
                if (sub[v].cell in primary and sub[v].value < k)
                or sub[v].cell in always
                or (sub[v].cell is RESIDUAL and 0 < sub[v].value < k)
            ),
            key=str,
        )

    def cost(cell: Hashable) -> tuple[bool, float, str]:
        return (weight.get(cell, 0.0) <= 0, weight.get(cell, 0.0), str(cell))

    component = {c for cells in cells_of.values() for c in cells}
    leaks = leaks_of(hidden)
    while leaks:
        # The cell whose hiding leaves the fewest leaks, cheapest among those (a sibling
        # table that repeats a count is hidden rather than the cells around the leak).
        # A cell of zero firms is a cover only when nothing else works: a reader may
        # know a zero (no firm revolved 1 month), and hiding it protects nothing then.
        candidates = sorted((c for c in component - hidden if weight.get(c, 0.0) > 0), key=cost)
        scored = [(len(leaks_of(hidden | {c})), cost(c), c) for c in candidates]
        best = min(scored, default=None, key=lambda t: (t[0], t[1]))
        if best is not None and best[0] < len(leaks):
            choice = best[2]
        else:
            # No single cell removes a leak: hide the cheapest cell around it.
            around = sorted(
                (cell for v in leaks for cell in cells_of.get(v, ()) if cell not in hidden),
                key=cost,
            )
            around = around or _nearest_cells(leaks, relations, counts, hidden, weight)
            if not around:
                # Every cell around the leak is hidden, yet a total marked as known (e.g.
                # a fig06 year whose firms count was visible before this pass) still pins
                # it. Hide the whole component: with all its cells blank, that total is
                # no longer published through them either.
                if component <= hidden:
                    raise DisclosureError(
                        f"complementary suppression cannot protect {leaks[0]!r}: every cell "
                        "that shares a relation with it is hidden already. Hint: this is a "
                        "bug in econscope's disclosure relations; please report it"
                    )
                return hidden | component
            choice = around[0]
        hidden.add(choice)
        leaks = leaks_of(hidden)
    return hidden


def _nearest_cells(
    leaks: Sequence[Hashable],
    relations: Sequence[Mapping[Hashable, int]],
    counts: Mapping[Hashable, Count],
    hidden: set[Hashable],
    weight: Mapping[Hashable, float],
) -> list[Hashable]:
    """Published cells of the relations nearest to ``leaks`` (in hops through unknown
    counts: a chain of totals, as in the funnel), cheapest first; empty when every cell
    reachable is hidden."""
    frontier, seen = set(leaks), set(leaks)
    while frontier:
        near = [r for r in relations if frontier & set(r)]
        cells = {
            counts[v].cell
            for r in near
            for v in r
            if counts[v].cell not in _NOT_CELLS and counts[v].cell not in hidden
        }
        if cells:
            return sorted(
                cells, key=lambda c: (weight.get(c, 0.0) <= 0, weight.get(c, 0.0), str(c))
            )
        frontier = {v for r in near for v in r if v not in seen}
        seen |= frontier
    return []


def round_counts(values: pd.Series, k: int) -> pd.Series:
    """Counts rounded down to a multiple of ``k`` (nulls stay null).

    Used where two published counts of nested populations would differ by 1 to k-1 (the
    firms of one model but not of another): after rounding their difference is 0 or at
    least k, and no count of at least k drops below k.

    >>> round_counts(pd.Series([687, 684, None], dtype="Int64"), 10).tolist()
    [680, 680, <NA>]
    """
    n = pd.to_numeric(values, errors="coerce").astype("Int64")
    return (n // k) * k


def round_significant(values: pd.Series, digits: int) -> pd.Series:
    """Floats rounded to ``digits`` significant digits (nulls and infinities unchanged).

    Sums computed in a different order differ in the last bits; rounding to a fixed
    precision before publishing makes two runs write the same bytes.

    >>> round_significant(pd.Series([0.1 + 0.2, 123456.789, None]), 12).tolist()
    [0.3, 123456.789, nan]
    """
    x = pd.to_numeric(values, errors="coerce").astype("float64").to_numpy()
    out = x.copy()
    ok = np.isfinite(x)
    out[ok] = [float(f"{v:.{digits}g}") for v in x[ok]]  # decimal rounding, exact per value
    return pd.Series(out, index=values.index, name=values.name)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text)) or text.strip().lower() in {"inf", "-inf", "+inf"}
    except ValueError:
        return False


def neutralise_cells(table: pd.DataFrame) -> pd.DataFrame:
    """A copy where every text cell a spreadsheet would run as a formula is defused.

    A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return that
    is not a number gets a leading apostrophe (OWASP's CSV-injection advice); numbers such
    as ``-0.5`` stay numbers.

    >>> neutralise_cells(pd.DataFrame({"industry": ["=HYPERLINK(1)", "-0.5", "retail"]}))[
    ...     "industry"].tolist()
    ["'=HYPERLINK(1)", '-0.5', 'retail']
    """
    out = table.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):

            def fix(v: object) -> object:
                if isinstance(v, str) and v.startswith(_FORMULA_START) and not _is_number(v):
                    return "'" + v
                return v

            out[col] = out[col].map(fix)
    return out


# -- the publication check: published cells against identifiers --------------------------

_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
_STYLE = re.compile(r"<style\b[^>]*>.*?</style\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
_JSON_TYPE = re.compile(r"type\s*=\s*[\"']application/(?:ld\+)?json[\"']", re.IGNORECASE)
_NUMERIC = re.compile(r"[+-]?(?:[0-9]+(?:[.,][0-9]+)*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")


def _strings(data: object) -> Iterator[str]:
    """Every string (keys and values) of a parsed JSON document."""
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield str(key)
            yield from _strings(value)
    elif isinstance(data, list):
        for value in data:
            yield from _strings(value)


def _html_cells(text: str) -> Iterator[str]:
    import html
    import json

    for attrs, body in _SCRIPT.findall(text):
        if _JSON_TYPE.search(attrs):  # data embedded in the report (chart specs, tooltips)
            try:
                yield from _strings(json.loads(body))
            except ValueError:
                yield body
    rest = _STYLE.sub(" ", _SCRIPT.sub(" ", text))  # the report's own code is not a cell
    for node in _TAG.split(rest):
        node = html.unescape(node).strip()
        if node:
            yield node


def published_cells(path: str | Path) -> list[str]:
    """The text cells of one published file: where an identifier could be published.

    - CSV: every cell that is not a number (``n_firms`` 42, a year 1993, a share 0.25
      are statistics, not identifiers, even when they equal an id);
    - HTML: the text of the page outside its scripts and styles, and every string of
      the JSON data embedded in it (chart data, tooltips); never its JavaScript;
    - JSON: every string; SVG: the text nodes; binary files (PNG): nothing (pixels).

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text("industry,year,value\\nretail,1993,0.5\\n")
    >>> published_cells(p)
    ['industry', 'year', 'value', 'retail']
    """
    import csv
    import io
    import json

    path = Path(path)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return []
    suffix = path.suffix.lower()
    if suffix == ".csv":
        cells = (c for row in csv.reader(io.StringIO(text)) for c in row)
    elif suffix in (".html", ".htm", ".svg"):
        cells = _html_cells(text)
    elif suffix == ".json":
        try:
            cells = _strings(json.loads(text))
        except ValueError:
            cells = iter([text])
    else:
        cells = iter(text.splitlines())
    return [c for c in (c.strip() for c in cells) if c and not _NUMERIC.match(c)]


def _candidates(cells: Iterable[str]) -> set[str]:
    """A cell and each of its tokens (digit runs aside): what a token-shaped id must equal."""
    out: set[str] = set()
    for cell in cells:
        out.add(cell)
        out.update(t for t in _TOKEN.findall(cell) if not _DIGITS.match(t))
    return out


def scan_published_cells(
    paths: Iterable[str | Path], identifiers: Iterable[str] | ir.Column
) -> list[tuple[Path, str]]:
    """Every (file, identifier) where an identifier is a published cell or a word of one.

    Cells are :func:`published_cells`. An identifier made of letters, digits, '_' and
    '-' must equal a whole cell or a token of one; any other identifier (``"acct 7/2"``)
    is searched for inside the cells. Digits-only tokens are numbers, never matched.
    ``identifiers`` is usually the surrogate keys of the run
    (:func:`econscope.smallbiz.pseudonyms.surrogates`, an Ibis column: the keys never leave
    the engine, only the hits do).

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "fig.csv").write_text("industry,n_firms\\nF-0a1b,42\\nretail,576\\n")
    >>> [(p.name, i) for p, i in scan_published_cells([d], ["F-0a1b", "576"])]
    [('fig.csv', 'F-0a1b')]
    """
    if isinstance(identifiers, str):
        raise DisclosureError(
            "identifiers must be a collection of strings or an Ibis column, not one string. "
            "Hint: wrap a single identifier in a list"
        )
    cells = {str(f): published_cells(f) for f in _files(paths)}
    rows = [(name, c) for name, found in cells.items() for c in sorted(_candidates(found))]
    if isinstance(identifiers, ir.Column):
        ids = identifiers.cast("string").name("identifier").as_table().distinct()
        ids = ids.filter(ids.identifier.notnull() & (ids.identifier != ""))
    else:
        values = sorted({str(i) for i in identifiers if i is not None and str(i) != ""})
        ids = ibis.memtable(pa.table({"identifier": pa.array(values, pa.string())}))
    tokens = ibis.memtable(
        pa.table(
            {
                "file": pa.array([r[0] for r in rows], pa.string()),
                "token": pa.array([r[1] for r in rows], pa.string()),
            }
        )
    )
    by_token = tokens.join(ids, tokens.token == ids.identifier).select(
        file=tokens.file, identifier=ids.identifier
    )
    by_token = by_token.filter(~by_token.identifier.re_search("^[0-9]+$"))
    others = ids.filter(ids.identifier.re_search(_NOT_TOKEN_CHAR))
    by_text = (
        tokens.cross_join(others)
        .filter(lambda t: t.token.contains(t.identifier))
        .select("file", "identifier")
    )
    found = by_token.union(by_text).to_pyarrow().to_pylist()
    return sorted({(Path(r["file"]), r["identifier"]) for r in found})
