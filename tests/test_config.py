"""Settings: typed defaults from DESIGN.md, TOML files, --set overrides, manifest form."""

from __future__ import annotations

from pathlib import Path

import pytest

from econscope.config import CPI_U_ANNUAL, Settings, load_settings, settings_markdown
from econscope.errors import ConfigError

DOCS = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"


def test_defaults_are_the_design_values() -> None:
    # DESIGN.md, "smallbiz: the method" steps 1, 4, 5, 6 and the disclosure paragraph.
    s = Settings()
    assert s.sample.min_monthly_transactions == 10
    assert s.sample.min_monthly_outflows == 500.0
    assert s.sample.max_annual_revenue == 20_000_000.0
    assert s.buffer.window_days == 365
    assert s.buffer.min_history_days == 180
    assert s.size.large_revenue_threshold == 100_000.0
    assert s.prices.base_year == 2022
    assert s.disclosure.k == 10
    assert len(s.industries) == 12


def test_cpi_table_is_the_bls_annual_series() -> None:
    # DESIGN.md step 6 lists CPI-U annual averages 2010-2023; first and last checked here.
    assert CPI_U_ANNUAL[2010] == 218.056
    assert CPI_U_ANNUAL[2022] == 292.655
    assert sorted(CPI_U_ANNUAL) == list(range(2010, 2024))


def test_category_groups_derive_revenues_and_expenses() -> None:
    c = Settings().categories
    assert c.revenue_categories == ("other_income", "sales")
    assert "payroll" in c.expense_categories
    assert "card_payment" not in c.expense_categories
    assert c.excluded_categories == ("transfer_own",)


def test_refunds_setting_changes_credit_kinds() -> None:
    assert Settings().cycles.credit_kinds == ("payment", "refund")
    off = load_settings(overrides=["cycles.refunds_as_credits=false"])
    assert off.cycles.credit_kinds == ("payment",)


def test_settings_load_from_toml_then_overrides(tmp_path: Path) -> None:
    f = tmp_path / "run.toml"
    f.write_text("[disclosure]\nk = 25\n[prices.cpi_annual]\n2022 = 300.0\n")
    s = load_settings(f, ["disclosure.k=30"])
    assert s.disclosure.k == 30
    assert s.prices.cpi_annual == {2022: 300.0}


def test_bare_word_override_is_read_as_text() -> None:
    assert load_settings(overrides=["engine.backend=duckdb"]).engine.backend == "duckdb"


@pytest.mark.parametrize(
    ("override", "fragment"),
    [
        ("disclosure.k=0", "disclosure.k"),
        ("nosuch.k=1", "unknown setting section 'nosuch'"),
        ("disclosure.nosuch=1", "unknown setting 'disclosure.nosuch'"),
        ("disclosure.k", "section.field=value"),
        ("engine.backend=oracle", "engine.backend"),
    ],
)
def test_bad_overrides_say_which_setting(override: str, fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment.replace(".", r"\.").replace("(", r"\(")):
        load_settings(overrides=[override])


def test_bad_file_is_a_config_error(tmp_path: Path) -> None:
    f = tmp_path / "bad.toml"
    f.write_text("[disclosure\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(f)
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "missing.toml")


def test_settings_are_immutable() -> None:
    s = Settings()
    with pytest.raises(ValueError, match="frozen"):
        s.disclosure.k = 3  # type: ignore[misc]


def test_manifest_form_round_trips() -> None:
    s = load_settings(overrides=["disclosure.k=12"])
    again = Settings.model_validate(s.to_manifest())
    assert again == s


def test_configuration_doc_is_current() -> None:
    # docs/configuration.md embeds `econscope config --markdown`; regenerate it when this fails.
    assert settings_markdown() in DOCS.read_text()
