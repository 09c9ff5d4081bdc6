"""Package surface: a cheap import, one error root."""

from __future__ import annotations

import subprocess
import sys

import econscope
from econscope import errors


def test_import_is_cheap() -> None:
    # STYLE.md practice 9: importing econscope loads neither Spark, the charts nor the engine.
    code = (
        "import sys, econscope\n"
        "heavy = [m for m in ('pyspark', 'altair', 'vl_convert', 'ibis', 'duckdb', 'pandas')"
        " if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_every_error_derives_from_the_root_and_a_builtin() -> None:
    for name in errors.__all__:
        cls = getattr(errors, name)
        if name == "EconscopeWarning":
            assert issubclass(cls, UserWarning)
            continue
        assert issubclass(cls, econscope.EconscopeError)
        if cls is not errors.EconscopeError:
            assert len(cls.__mro__) > 3  # root + a builtin such as ValueError


def test_data_error_message_names_file_column_and_fix() -> None:
    err = errors.DataError("cannot be cast to date", file="f.csv", column="d", hint="use ISO")
    assert str(err) == "f.csv: column 'd': cannot be cast to date. Hint: use ISO"
    assert isinstance(err, ValueError)
