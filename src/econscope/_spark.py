"""Ibis's PySpark backend with Arrow on both sides of the driver, and its gaps closed.

Imported only when the pyspark engine is chosen (it imports pyspark). Ibis 12's backend
moves data through pandas: results via ``DataFrame.toPandas`` (which, with pandas 3, trips
pandas' deprecations inside PySpark 4.3 and would re-type dates), and ``ibis.memtable``
inputs via ``createDataFrame(pandas)``. PySpark 4 reads and writes Arrow directly, so this
backend collects with ``DataFrame.toArrow`` and registers in-memory tables from Arrow. It
also registers in-memory tables before ``Table.cache`` (Ibis compiles a cached table
without registering them, so a cached join with the price-index factors failed with
TABLE_OR_VIEW_NOT_FOUND).
"""

from __future__ import annotations

import csv
import glob
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.operations as ops
import ibis.expr.schema as sch
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pyarrow.types as pat
import sqlglot.expressions as sge
from ibis.backends.pyspark import Backend as IbisSparkBackend
from ibis.backends.pyspark.converter import PySparkPandasData
from ibis.backends.pyspark.datatypes import PySparkSchema
from ibis.backends.sql.compilers.base import NULL
from ibis.backends.sql.compilers.pyspark import PySparkCompiler
from ibis.formats.pyarrow import PyArrowData, PyArrowSchema

__all__ = ["SparkBackend"]

ibis.pyspark  # noqa: B018  (loading the backend by name registers ibis.options.pyspark)


def _convert(arrow: pa.Table, schema: sch.Schema) -> pa.Table:
    """Arrow columns in the types Ibis expects, except decimals.

    Spark types some results as DECIMAL (a literal such as ``0.5`` is DECIMAL(1,1) in Spark
    SQL, and sums or averages of one widen the scale): where Ibis expects a float the column
    becomes float64; where Ibis expects a decimal it keeps Spark's precision and scale, which
    may be wider than Ibis's guess (casting would cut digits).
    """
    columns = []
    for name, col in zip(arrow.column_names, arrow.columns, strict=True):
        dtype = schema[name]
        if pat.is_decimal(col.type) and dtype.is_decimal():
            columns.append(col)
        else:
            columns.append(PyArrowData.convert_column(col, dtype))
    return pa.Table.from_arrays(columns, names=arrow.column_names)


def _first_local_part(path: str, suffix: str) -> Path | None:
    """The first part file of a local file, folder or glob, or None when there is none or
    the table has Hive partition folders (``key=value/``: Spark adds those columns)."""
    if "://" in path and not path.startswith("file://"):
        return None  # s3a://, hdfs://: Spark lists and infers
    path = path.removeprefix("file://")
    for match in sorted(glob.glob(path)):
        root = Path(match)
        parts = [root] if root.is_file() else sorted(root.rglob(f"*{suffix}"))
        for part in parts:
            rel = part.relative_to(root).parts if part != root else ()
            if any(p.startswith((".", "_")) for p in rel):
                continue
            if any("=" in p for p in rel):
                return None
            return part
    return None


class SparkCompiler(PySparkCompiler):
    """Ibis's Spark SQL compiler, with float literals typed as DOUBLE.

    Ibis writes a float literal as ``1.0``, which Spark SQL reads as DECIMAL(2,1): then
    ``ifelse(c, 1.0, 0.0).cast("float64")`` (whose cast Ibis drops as a no-op) stays a
    decimal in Spark, its averages widen the scale, and the model's sums are computed in
    decimal arithmetic on Spark and in double on DuckDB. ``CAST(1.0 AS DOUBLE)`` is what
    Ibis's type says the literal is.
    """

    SIMPLE_OPS = {  # noqa: RUF012  (the base class's form)
        k: v for k, v in PySparkCompiler.SIMPLE_OPS.items() if k not in (ops.LStrip, ops.RStrip)
    }

    def visit_NonNullLiteral(self, op: ops.Literal, *, value: Any, dtype: dt.DataType) -> Any:
        if dtype.is_floating() and math.isfinite(value):
            result = self.cast(sge.convert(value), dtype)
            return self.f.nanvl(result, NULL) if ibis.options.pyspark.treat_nan_as_null else result
        return super().visit_NonNullLiteral(op, value=value, dtype=dtype)

    # Ibis strips whitespace with TRIM(' \t\n\r\v\f' FROM x), but Spark SQL does not know
    # the escapes \v and \f and reads them as the letters v and f: 'fee' became 'ee' and
    # 'relief' 'relie', and valid rows were quarantined. (ltrim/rtrim strip spaces only.)
    # Java's \s is exactly Python's ASCII whitespace: space, \t, \n, \x0b, \f, \r.
    def visit_Strip(self, op: ops.Strip, *, arg: Any) -> Any:
        return self.f.regexp_replace(arg, r"^\s+|\s+$", "")

    def visit_LStrip(self, op: ops.LStrip, *, arg: Any) -> Any:
        return self.f.regexp_replace(arg, r"^\s+", "")

    def visit_RStrip(self, op: ops.RStrip, *, arg: Any) -> Any:
        return self.f.regexp_replace(arg, r"\s+$", "")

    # Ibis writes ``arg == POS_INF`` with sqlglot expressions, where ``==`` is Python's
    # structural comparison: the test compiled to FALSE OR FALSE, so an infinite amount
    # was accepted on Spark. ``.eq`` builds the SQL comparison.
    def visit_IsInf(self, op: ops.IsInf, *, arg: Any) -> Any:
        if op.arg.dtype.is_floating():
            return sge.or_(arg.eq(self.POS_INF), arg.eq(self.NEG_INF))
        return super().visit_IsInf(op, arg=arg)


class SparkBackend(IbisSparkBackend):
    """The pyspark engine of econscope (``engine.connect`` builds it)."""

    compiler = SparkCompiler()

    def _register_in_memory_table(self, op: ops.InMemoryTable) -> None:
        arrow = op.data.to_pyarrow(op.schema)
        df = self._session.createDataFrame(arrow)
        df.createOrReplaceTempView(op.name)

    def create_table(
        self,
        name: str,
        /,
        obj: Any = None,
        *,
        schema: Any = None,
        database: str | None = None,
        temp: bool = False,
        overwrite: bool = False,
        **kwargs: Any,
    ) -> ir.Table:
        """Ibis's ``create_table``, and ``temp=True`` as a cached temporary view.

        Ibis's Spark backend refuses temporary tables; a managed table instead would be
        written under ``./spark-warehouse``. A temporary table here is what it is on DuckDB:
        the rows computed once, held by the engine for this session, gone when it ends.
        """
        if not temp:
            return super().create_table(
                name, obj, schema=schema, database=database, overwrite=overwrite, **kwargs
            )
        if obj is None or database is not None:
            raise NotImplementedError("a temporary Spark table needs obj and no database")
        if not overwrite and self._session.catalog.tableExists(name):
            raise ValueError(f"temporary table {name!r} exists (pass overwrite=True)")
        expr = obj if isinstance(obj, ir.Expr) else ibis.memtable(obj)
        self._run_pre_execute_hooks(expr)
        df = self._session.sql(self.compile(expr)).cache()
        df.createOrReplaceTempView(name)
        self._cached_dataframes[name] = df
        return self.table(name)

    # Spark infers a Parquet schema, and reads a CSV header, with a Spark job of its own:
    # one per table read, a third of a small validate's jobs. For local files the schema
    # is read here from the first part (a Parquet footer, a CSV header line) and given to
    # Spark, which then only plans. Other URIs, and Hive-partitioned folders, are left to
    # Spark's own inference.
    def read_parquet(
        self, path: str | Path, /, *, table_name: str | None = None, **kwargs: Any
    ) -> ir.Table:
        first = _first_local_part(str(path), ".parquet")
        if first is None or kwargs:
            return super().read_parquet(path, table_name=table_name, **kwargs)
        schema = PyArrowSchema.to_ibis(pq.read_schema(first))
        df = self._session.read.schema(PySparkSchema.from_ibis(schema)).parquet(str(path))
        return self._register(df, table_name or ibis.util.gen_name("read_parquet"))

    def read_csv(
        self,
        paths: str | Path | list[str] | tuple[str],
        /,
        *,
        table_name: str | None = None,
        **kwargs: Any,
    ) -> ir.Table:
        first = _first_local_part(str(paths), ".csv") if isinstance(paths, str | Path) else None
        options = dict(kwargs)
        if first is None or options.pop("inferSchema", True) or options.get("header") is False:
            return super().read_csv(paths, table_name=table_name, **kwargs)
        with first.open(encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh), [])
        schema = PySparkSchema.from_ibis(ibis.schema(dict.fromkeys(header, "string")))
        if len(schema.fields) != len(header):  # a repeated name: Spark's own header rules
            return super().read_csv(paths, table_name=table_name, **kwargs)
        options["header"] = True
        df = self._session.read.schema(schema).csv(str(paths), **options)
        return self._register(df, table_name or ibis.util.gen_name("read_csv"))

    def _register(self, df: Any, name: str) -> ir.Table:
        df.createOrReplaceTempView(name)
        return self.table(name)

    def _create_cached_table(self, name: str, expr: ir.Table) -> ir.Table:
        self._run_pre_execute_hooks(expr)
        return super()._create_cached_table(name, expr)

    def to_pyarrow(
        self,
        expr: ir.Expr,
        /,
        *,
        params: Mapping[ir.Scalar, Any] | None = None,
        limit: int | str | None = None,
        **kwargs: Any,
    ) -> pa.Table:
        self._run_pre_execute_hooks(expr)
        table_expr = expr.as_table()
        sql = self.compile(table_expr, params=params, limit=limit, **kwargs)
        arrow = self._session.sql(sql).toArrow()
        table = _convert(arrow.rename_columns(list(table_expr.columns)), table_expr.schema())
        return expr.__pyarrow_result__(table)

    def execute(
        self,
        expr: ir.Expr,
        /,
        *,
        params: Mapping[ir.Scalar, Any] | None = None,
        limit: int | str | None = None,
        **kwargs: Any,
    ) -> pd.DataFrame | pd.Series | Any:
        table_expr = expr.as_table()
        table = self.to_pyarrow(table_expr, params=params, limit=limit, **kwargs)
        df = pd.DataFrame(
            {
                name: (
                    col.to_pylist()
                    if pat.is_nested(col.type) or pat.is_dictionary(col.type) or col.null_count
                    else col.to_pandas()
                )
                for name, col in zip(table.column_names, table.columns, strict=True)
            }
        )
        df = PySparkPandasData.convert_table(df, table_expr.schema())
        return expr.__pandas_result__(df)
