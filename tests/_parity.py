"""Table-by-table comparison of two engines' outputs (used by the Spark parity tests)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

#: Floats agree to this relative tolerance (different summation order on each engine).
RTOL = 1e-9


def read_any(path: Path) -> pd.DataFrame:
    """A Parquet file (DuckDB) or folder of part files (Spark), or a CSV, as a DataFrame."""
    if path.suffix == ".csv":
        return pd.read_csv(path)
    if path.is_dir():
        parts = sorted(p for p in path.iterdir() if p.suffix == ".parquet")
        return pd.concat([pq.read_table(p).to_pandas() for p in parts], ignore_index=True)
    return pq.read_table(path).to_pandas()


#: Surrogate id columns: each validated folder has its own secret (smallbiz.pseudonyms),
#: so two runs give one firm different surrogates; compared through each folder's id map.
ID_COLUMNS = ("firm_id", "account_id", "card_id")


def raw_ids(frame: pd.DataFrame, validated: Path) -> pd.DataFrame:
    """``frame`` with its surrogate ids replaced by the raw ids of ``validated``'s id map."""
    ids = read_any(validated / "id_map.parquet")
    to_raw = dict(zip(ids["surrogate"], ids["raw_id"], strict=True))
    out = frame.copy()
    for c in ID_COLUMNS:
        if c in out.columns:
            out[c] = out[c].map(lambda v: to_raw.get(v, v))
    return out


def assert_same_table(left: pd.DataFrame, right: pd.DataFrame, *, rtol: float = RTOL) -> None:
    """Equal up to row order: non-float columns exactly, floats within ``rtol`` of the
    column's largest magnitude (so a sum near zero is judged on the scale of its terms)."""
    assert list(left.columns) == list(right.columns)
    assert len(left) == len(right)
    floats = [c for c in left.columns if pd.api.types.is_float_dtype(left[c])]
    keys = [c for c in left.columns if c not in floats]
    order = keys + floats
    a = left.sort_values(order, kind="stable", na_position="first").reset_index(drop=True)
    b = right.sort_values(order, kind="stable", na_position="first").reset_index(drop=True)
    for c in keys:
        pd.testing.assert_series_equal(
            a[c].astype("object"), b[c].astype("object"), check_names=False, obj=c
        )
    for c in floats:
        x, y = a[c].to_numpy(float), b[c].to_numpy(float)
        assert (np.isnan(x) == np.isnan(y)).all(), f"{c}: missing values differ"
        scale = np.nanmax(np.abs(x)) if np.isfinite(x).any() else 0.0
        np.testing.assert_allclose(x, y, rtol=rtol, atol=rtol * scale, equal_nan=True, err_msg=c)
