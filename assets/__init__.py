"""Dagster assets and checks: thin orchestration over :mod:`segmentation`."""
