"""Dagster assets and checks: thin orchestration over :mod:`segmentation`."""

import warnings

import dagster as dg

# Every asset takes one partition (day) per run, each day being computed as of itself;
# the backfill_policy argument that says so is still marked beta in Dagster 1.13.
warnings.filterwarnings("ignore", category=dg.BetaWarning, message=".*backfill_policy.*")
