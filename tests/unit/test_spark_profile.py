"""dbt's spark target starts the same Spark session as the job (no Java needed here)."""

from __future__ import annotations

import os
from argparse import Namespace
from dataclasses import replace
from pathlib import Path

import pytest

from segmentation.settings import Settings
from segmentation.spark.session import dbt_vars, session_config, spark_memory
from tests.helpers import DBT_PROJECT


def rendered_target(target: str, variables: dict[str, str]):
    """The credentials dbt renders from profiles.yml for ``target`` with ``variables``."""
    from dbt.config.profile import Profile, read_profile
    from dbt.config.renderer import ProfileRenderer
    from dbt.flags import set_from_args
    from dbt_common.context import set_invocation_context

    set_from_args(Namespace(), None)
    set_invocation_context(os.environ)
    raw = read_profile(str(DBT_PROJECT))["segmentation"]
    profile = Profile.from_raw_profile_info(
        raw, "segmentation", ProfileRenderer(variables), target_override=target
    )
    return profile.credentials


def test_the_spark_target_has_the_jobs_session_config(tmp_path: Path) -> None:
    settings = replace(
        Settings.from_env({}), spark_master="local[3]", spark_warehouse=tmp_path / "spark"
    )
    credentials = rendered_target("spark", dbt_vars(settings))
    assert credentials.method == "session"
    # dbt-spark adds ANSI mode off to whatever the profile says.
    assert credentials.server_side_parameters == {
        **session_config(settings),
        "spark.master": "local[3]",
        "spark.sql.ansi.enabled": "false",
    }


def test_duckdb_stays_the_default_target() -> None:
    from dbt.config.profile import read_profile

    assert read_profile(str(DBT_PROJECT))["segmentation"]["target"] == "duckdb"


def test_the_memory_limit_is_spark_drivers_heap() -> None:
    assert [spark_memory(limit) for limit in ("2GiB", "1500MB", "16 gib")] == ["2g", "1500m", "16g"]
    with pytest.raises(ValueError, match="SEGMENTATION_MEMORY_LIMIT"):
        spark_memory("1.5GiB")
