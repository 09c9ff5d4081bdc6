"""The panel stage: files, schema, manifest, reuse, atomic writes, prices, the CLI."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest

from _panel_data import LOOSE, D, one_firm, write_folder
from econscope.cli import main
from econscope.errors import DataError
from econscope.smallbiz import panel as panel_module
from econscope.smallbiz.method.panel import PANEL_COLUMNS
from econscope.smallbiz.method.prices import deflators
from econscope.smallbiz.method.size import FIRM_YEAR_COLUMNS
from econscope.smallbiz.panel import build_panel

# Ibis 12 reads a DuckDB 2 table's schema with the deprecated fetch_arrow_table().
pytestmark = pytest.mark.filterwarnings(
    "ignore:fetch_arrow_table\\(\\) is deprecated:DeprecationWarning"
)

MONEY_REAL = {
    "statement_balance_real",
    "credits_next_cycle_real",
    "revolving_balance_real",
    "revenues_real",
    "expenses_real",
    "net_cash_flow_real",
    "total_outflows_real",
    "adb_real",
    "annual_revenue_real",
    "avg_daily_outflows_real",
}


@pytest.fixture
def folder(tmp_path):
    t = one_firm(
        opening=1000.0,
        account_open=D(2020, 1, 1),
        statements=[(D(2020, 6, 15), 100.0), (D(2020, 7, 15), 50.0), (D(2020, 8, 15), 20.0)],
        card_tx=[(D(2020, 7, 1), 80.0, "payment")],
        deposits=[(D(2020, 6, 1), 500.0, "sales"), (D(2020, 7, 1), -80.0, "card_payment")],
    )
    return write_folder(tmp_path / "validated", t)


def test_writes_the_panel_with_exactly_the_design_columns(folder, tmp_path):
    result = build_panel(folder, tmp_path / "panel", LOOSE)
    table = pq.read_table(result.panel_path)
    assert tuple(table.column_names) == PANEL_COLUMNS
    assert set(PANEL_COLUMNS) >= MONEY_REAL
    schema = table.schema
    assert str(schema.field("statement_date").type) == "date32[day]"
    assert str(schema.field("revolving").type) == "bool"
    assert str(schema.field("n_transactions").type) == "int64"
    rows = table.to_pylist()
    # Box 1: $100 on June 15, $80 paid July 1 -> revolves $20; $50 on July 15 and nothing
    # paid by August 15 -> revolves $50; the last statement is unknown.
    assert [r["revolving"] for r in rows] == [True, True, None]
    assert [r["revolving_balance"] for r in rows] == [20.0, 50.0, None]
    factor = 292.655 / 258.811  # 2020 -> 2022 dollars, CPI-U annual averages
    assert rows[0]["revolving_balance_real"] == pytest.approx(20.0 * factor, rel=1e-12)
    assert rows[0]["adb_real"] == pytest.approx(rows[0]["adb"] * factor, rel=1e-12)
    fy = pq.read_table(result.firm_years_path)
    assert tuple(fy.column_names) == FIRM_YEAR_COLUMNS
    assert result.funnel["filter"].tolist() == ["active", "small", "one_card"]


def test_manifest_records_inputs_settings_and_rows_and_a_rerun_reuses(folder, tmp_path):
    out = tmp_path / "panel"
    first = build_panel(folder, out, LOOSE)
    body = json.loads((out / "manifest.json").read_text())
    assert body["stage"] == "panel"
    assert set(body["inputs"]) == {
        "firms",
        "deposit_accounts",
        "deposit_transactions",
        "card_accounts",
        "card_statements",
        "card_transactions",
    }
    assert body["rows"]["panel"] == 3
    assert body["settings"]["sample"]["min_monthly_transactions"] == 0
    mtime = first.panel_path.stat().st_mtime_ns
    again = build_panel(folder, out, LOOSE)
    assert again.reused and not first.reused
    assert again.panel_path.stat().st_mtime_ns == mtime
    changed = build_panel(folder, out, LOOSE.with_overrides(["cycles.refunds_as_credits=false"]))
    assert not changed.reused


def test_an_interrupted_run_leaves_no_partial_file_and_no_manifest(folder, tmp_path, monkeypatch):
    out = tmp_path / "panel"
    real = panel_module.write_parquet
    calls = []

    def failing(expr, path):
        calls.append(path)
        if len(calls) == 2:  # die before writing firm_years.parquet
            raise KeyboardInterrupt
        return real(expr, path)

    monkeypatch.setattr(panel_module, "write_parquet", failing)
    with pytest.raises(KeyboardInterrupt):
        build_panel(folder, out, LOOSE)
    left = sorted(p.name for p in out.iterdir())
    assert left == ["panel.parquet"]  # complete, atomically moved; no temp file, no manifest
    monkeypatch.setattr(panel_module, "write_parquet", real)
    result = build_panel(folder, out, LOOSE)
    assert not result.reused
    assert (out / "manifest.json").is_file()


def test_a_missing_table_is_a_data_error_naming_it(folder, tmp_path):
    (folder / "card_statements.parquet").unlink()
    with pytest.raises(DataError, match="card_statements"):
        build_panel(folder, tmp_path / "panel", LOOSE)


def test_years_the_price_index_lacks_are_a_data_error(folder, tmp_path):
    cfg = LOOSE.with_overrides(["prices.cpi_annual={2022 = 292.655}"])
    with pytest.raises(DataError, match="2020"):
        build_panel(folder, tmp_path / "panel", cfg)


def test_a_monthly_cpi_file_deflates_by_the_statement_month(folder, tmp_path):
    cpi = tmp_path / "cpi.csv"
    lines = ["year,month,cpi"]
    lines += [f"2022,{m},{290 + m}" for m in range(1, 13)]  # base: mean 296.5
    lines += [f"2020,{m},{250 + m}" for m in range(1, 13)]
    cpi.write_text("\n".join(lines) + "\n")
    cfg = LOOSE.with_overrides([f"prices.cpi_monthly_file='{cpi}'"])
    result = build_panel(folder, tmp_path / "panel", cfg)
    rows = pq.read_table(result.panel_path).to_pylist()
    # June 2020 statement: 100 x 296.5 / 256
    assert rows[0]["statement_balance_real"] == pytest.approx(100 * 296.5 / 256, rel=1e-12)
    assert rows[1]["statement_balance_real"] == pytest.approx(50 * 296.5 / 257, rel=1e-12)


def test_a_monthly_cpi_file_missing_a_statement_month_is_a_data_error(folder, tmp_path):
    # the fixture's statements fall in June and July 2020; the file stops at May 2020, so
    # the annual check (2020 present) passes and only the monthly check names the gap.
    cpi = tmp_path / "cpi.csv"
    lines = ["year,month,cpi"]
    lines += [f"2022,{m},{290 + m}" for m in range(1, 13)]
    lines += [f"2020,{m},{250 + m}" for m in range(1, 6)]
    cpi.write_text("\n".join(lines) + "\n")
    cfg = LOOSE.with_overrides([f"prices.cpi_monthly_file='{cpi}'"])
    with pytest.raises(DataError, match="2020-06"):
        build_panel(folder, tmp_path / "panel", cfg)


def test_annual_deflators_are_the_cpi_u_ratios():
    f = deflators(LOOSE).set_index("year").factor
    assert f[2022] == 1.0
    assert f[2010] == pytest.approx(292.655 / 218.056, rel=1e-15)


def test_cli_builds_the_panel_then_reuses_it(folder, tmp_path, capsys):
    out = tmp_path / "cli"
    args = ["smallbiz", "panel", str(folder), "--out", str(out)]
    args += ["--set", "sample.min_monthly_transactions=0", "--set", "sample.min_monthly_outflows=0"]
    assert main(args) == 0
    assert "wrote" in capsys.readouterr().out
    assert main(args) == 0
    assert "reused" in capsys.readouterr().out
    assert (out / "panel.parquet").is_file()
