"""The error and warning trees of econscope.

Every error econscope raises on purpose derives from :class:`EconscopeError` and also from
the builtin it resembles, so ``except ValueError`` keeps working. Messages name the file,
the column and the rule, and end with a ``Hint:`` that says how to fix it.

>>> try:
...     raise DataError("rule broken", file="firms.csv", column="firm_id", hint="fix it")
... except ValueError as exc:
...     print(exc)
firms.csv: column 'firm_id': rule broken. Hint: fix it
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "DataError",
    "DisclosureError",
    "EconscopeError",
    "EconscopeWarning",
    "EngineGapError",
    "IncompatibleObservationsError",
    "StageError",
]


class EconscopeError(Exception):
    """Root of every error econscope raises on purpose."""


class DataError(EconscopeError, ValueError):
    """Input data break a table-level rule (missing table or column, uncastable column).

    The command line maps it to exit code 1 and prints the message on one line.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        column: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.file = file
        self.column = column
        self.rule = message
        self.hint = hint
        parts = []
        if file is not None:
            parts.append(f"{file}: ")
        if column is not None:
            parts.append(f"column {column!r}: ")
        parts.append(message)
        text = "".join(parts)
        if hint:
            text = f"{text}. Hint: {hint}"
        super().__init__(text)


class ConfigError(EconscopeError, ValueError):
    """A configuration file or override is invalid (exit code 2 on the command line)."""


class EngineGapError(EconscopeError, NotImplementedError):
    """The chosen engine cannot run this operation; the message says what to use instead."""


class StageError(EconscopeError, RuntimeError):
    """A pipeline stage cannot run (its inputs are missing or from another run)."""


class DisclosureError(EconscopeError, ValueError):
    """An output would publish an identifier or a cell describing fewer than k firms."""


class IncompatibleObservationsError(EconscopeError, ValueError):
    """Two observations cannot be combined (unit, concept, period or vintage differ)."""


class EconscopeWarning(UserWarning):
    """Root of every warning econscope emits; filter it to silence them all."""
