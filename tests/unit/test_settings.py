"""Settings come from the environment, with clear errors, and bound what a run computes."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from assets.partitions import daily_partitions
from pipelines.run import _day
from segmentation.settings import Settings


def test_the_first_computable_day_is_a_setting() -> None:
    """Why: partitions started at 2025-01-01, so older history could not be backfilled."""
    settings = Settings.from_env({"SEGMENTATION_FIRST_DAY": "2019-07-01"})
    partitions = daily_partitions(settings.first_day, settings.timezone)
    assert settings.first_day == date(2019, 7, 1)
    assert partitions.get_first_partition_key() == "2019-07-01"
    assert _day(date(2019, 7, 1), settings) == date(2019, 7, 1)


def test_a_day_before_the_first_is_refused_saying_which_setting_to_change() -> None:
    settings = Settings.from_env({})
    with pytest.raises(SystemExit, match="SEGMENTATION_FIRST_DAY=2024-06-01"):
        _day(date(2024, 6, 1), settings)
    with pytest.raises(SystemExit, match="in the future"):
        _day(date(2099, 1, 1), settings)


def test_a_malformed_setting_is_named() -> None:
    with pytest.raises(ValueError, match="SEGMENTATION_FIRST_DAY='last year' is not valid"):
        Settings.from_env({"SEGMENTATION_FIRST_DAY": "last year"})
    with pytest.raises(ValueError, match="SEGMENTATION_LIMIT_MAX_GROUPS must be a whole number"):
        Settings.from_env({"SEGMENTATION_LIMIT_MAX_GROUPS": "many"})
    limited = Settings.from_env({"SEGMENTATION_LIMIT_MAX_GROUPS": "3"})
    assert limited.limits.max_groups == 3


def test_settings_given_to_a_child_process_read_back_the_same(tmp_path: Path) -> None:
    """A Spark step runs in a child process that reads its settings from the environment."""
    settings = replace(
        Settings.from_env({"SEGMENTATION_LIMIT_MAX_GROUPS": "3"}),
        warehouse=tmp_path / "w.duckdb",
        landing=tmp_path / "landing",
        engine="spark",
        spark_master="local[2]",
        load_max_loss=0.25,
        first_day=date(2026, 2, 1),
    )
    assert Settings.from_env(settings.to_env()) == settings
