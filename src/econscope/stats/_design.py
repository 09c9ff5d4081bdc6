"""What enters a model: :class:`Design`, :class:`Factor`, and the formula parser.

A formula is the short form of a :class:`Design` (pyfixest's syntax, a small subset)::

    y ~ x1 + x2 + C(industry) + C(size_class, base="small") | firm_id + year_month

Left of ``~`` the outcome; right of it ``+``-separated terms: a column name (continuous,
entered as is), ``C(column)`` (a categorical: one dummy per non-base level, base the first
level in sort order) or ``C(column, base=<level>)``; ``0`` or ``-1`` drops the intercept;
after ``|`` the fixed effects (absorbed, ``+``-separated). Nothing else (no
interactions, no transformations): compute such columns in the table first.

>>> Design.from_formula("y ~ x1 + C(g, base='b') | firm")
Design(y='y', x=('x1',), factors=(Factor(column='g', base='b', label='g', reported=True),), \
fe=('firm',), intercept=False)
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from econscope.errors import EconscopeError

__all__ = ["Design", "Factor", "FormulaError"]

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_FACTOR = re.compile(r"^C\((?P<inner>.*)\)$", re.S)


class FormulaError(EconscopeError, ValueError):
    """A formula, design or variance request that cannot describe a model."""

    def __init__(self, message: str, *, hint: str) -> None:
        self.hint = hint
        super().__init__(f"{message}. Hint: {hint}")


@dataclass(frozen=True)
class Factor:
    """A categorical regressor: one dummy ``<label>[T.<level>]`` per level but ``base``.

    ``base`` None (or a level absent from the estimation sample) means the first level in
    sort order. ``reported`` False makes the dummies nuisance parameters (estimated, not
    in ``tidy()``); they must come after the reported factors.
    """

    column: str
    base: object | None = None
    label: str = ""
    reported: bool = True

    def __post_init__(self) -> None:
        if not self.label:
            object.__setattr__(self, "label", self.column)


@dataclass(frozen=True)
class Design:
    """A model specification, the structured alternative to a formula.

    ``y`` the outcome column; ``x`` continuous columns (each a term of the same name);
    ``factors`` categorical columns; ``fe`` columns whose effects are absorbed (at most
    two; the first is the "firm" of :meth:`Fit.fixef`); ``intercept`` (ignored, and
    reported False, with fixed effects: they absorb it).

    >>> Design("y", ("x",)).formula
    'y ~ x'
    """

    y: str
    x: tuple[str, ...] = ()
    factors: tuple[Factor, ...] = ()
    fe: tuple[str, ...] = ()
    intercept: bool = field(default=True)

    def __post_init__(self) -> None:
        object.__setattr__(self, "x", tuple(self.x))
        object.__setattr__(self, "factors", tuple(self.factors))
        object.__setattr__(self, "fe", tuple(self.fe))
        if self.fe:
            object.__setattr__(self, "intercept", False)
        names = [self.y, *self.x, *(f.column for f in self.factors), *self.fe]
        for name in names:
            if not isinstance(name, str) or not name:
                raise FormulaError(
                    f"not a column name: {name!r}", hint="name columns of the table, as strings"
                )
        if len(set(names)) != len(names):
            raise FormulaError(
                f"a column appears twice in the design ({', '.join(names)})",
                hint="use each column once: outcome, regressor, factor or fixed effect",
            )
        if not self.x and not self.factors and not self.intercept:
            raise FormulaError(
                f"the design of {self.y!r} has no regressor",
                hint="add a column after '~' (fixed effects alone estimate nothing)",
            )
        if len(self.fe) > 2:
            raise FormulaError(
                f"{len(self.fe)} fixed effects ({', '.join(self.fe)}); at most two are supported",
                hint="enter the others as C(column) dummies",
            )
        seen_unreported = False
        for f in self.factors:
            if not f.reported:
                seen_unreported = True
            elif seen_unreported:
                raise FormulaError(
                    f"the reported factor {f.column!r} follows an unreported one",
                    hint="list the unreported (nuisance) factors last",
                )

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column the model reads (outcome, regressors, factors, fixed effects)."""
        return (self.y, *self.x, *(f.column for f in self.factors), *self.fe)

    @property
    def formula(self) -> str:
        """The design written as a formula (bases and labels are not part of it)."""
        rhs = [*self.x, *(f"C({f.column})" for f in self.factors)]
        if not self.intercept and not self.fe:
            rhs.insert(0, "0")
        text = f"{self.y} ~ {' + '.join(rhs) if rhs else '1'}"
        return text + (f" | {' + '.join(self.fe)}" if self.fe else "")

    @classmethod
    def from_formula(cls, formula: str, fe: str | Sequence[str] | None = None) -> Design:
        """Parse ``formula`` (see the module docstring); ``fe`` adds fixed effects (not
        allowed together with ``|`` in the formula).

        >>> Design.from_formula("y ~ 0 + x").intercept
        False
        """
        if not isinstance(formula, str) or formula.count("~") != 1:
            raise FormulaError(
                f"not a formula: {formula!r}",
                hint='write "y ~ x1 + x2 + C(group)" (one "~")',
            )
        lhs, rhs = (part.strip() for part in formula.split("~"))
        absorbed: list[str] = []
        if "|" in rhs:
            if rhs.count("|") > 1:
                raise FormulaError(
                    f"more than one '|' in {formula!r}", hint="write 'y ~ x | fe1 + fe2'"
                )
            rhs, fe_part = (part.strip() for part in rhs.split("|"))
            absorbed = [_name(t, formula) for t in _split(fe_part)]
        if fe is not None:
            if absorbed:
                raise FormulaError(
                    f"fixed effects given twice: in {formula!r} and as fe={fe!r}",
                    hint="give them either after '|' or as fe=, not both",
                )
            absorbed = [fe] if isinstance(fe, str) else list(fe)
        y = _name(lhs, formula)
        intercept = True
        x: list[str] = []
        factors: list[Factor] = []
        for term in _split(rhs):
            if term in ("0", "-1"):
                intercept = False
            elif term == "1":
                continue
            elif (m := _FACTOR.match(term)) is not None:
                factors.append(_factor(m.group("inner"), formula))
            else:
                x.append(_name(term, formula))
        return cls(y, tuple(x), tuple(factors), tuple(absorbed), intercept)


def _split(text: str) -> list[str]:
    """``a + C(b, base='x + y') - 1`` -> ['a', "C(b, base='x + y')", '-1'] (``+`` and a
    leading ``-`` split terms outside parentheses and quotes)."""
    terms: list[str] = []
    depth, quote, cur = 0, "", ""
    for ch in text:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch in "+-" and depth == 0:
            if cur.strip():
                terms.append(cur.strip())
            cur = "-" if ch == "-" else ""
            continue
        cur += ch
    if cur.strip():
        terms.append(cur.strip())
    return [t.replace(" ", "") if t.startswith("-") else t for t in terms]


def _name(term: str, formula: str) -> str:
    if not _NAME.match(term):
        raise FormulaError(
            f"{term!r} in {formula!r} is not a column name",
            hint="terms are column names or C(column); compute transformations in the table",
        )
    return term


def _factor(inner: str, formula: str) -> Factor:
    """``g`` or ``g, base=<literal>`` inside ``C(...)``."""
    try:
        call = ast.parse(f"f({inner})", mode="eval").body
    except SyntaxError:
        call = None
    if (
        not isinstance(call, ast.Call)
        or len(call.args) != 1
        or not isinstance(call.args[0], ast.Name)
        or any(k.arg != "base" for k in call.keywords)
    ):
        raise FormulaError(
            f"C({inner}) in {formula!r} is not C(column) or C(column, base=<level>)",
            hint="write C(industry) or C(industry, base='retail')",
        )
    base: object | None = None
    for k in call.keywords:
        try:
            base = ast.literal_eval(k.value)
        except ValueError:
            raise FormulaError(
                f"the base level in C({inner}) is not a literal",
                hint="quote a text level: C(g, base='retail')",
            ) from None
    return Factor(call.args[0].id, base)
