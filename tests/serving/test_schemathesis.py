"""Property-based tests over the published OpenAPI document (schemathesis), against a
uvicorn server on 127.0.0.1: no 5xx, and every response matches its documented schema."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from tests.serving.conftest import LiveServer, Served

EXAMPLES_PER_PATH = 25

# A rule set valid by its JSON Schema may still name a field the catalog lacks, so the
# "schema-valid data is accepted" check does not apply: such a body is rightly 422.
CHECKS = [
    checks.not_a_server_error,
    checks.response_schema_conformance,
    checks.status_code_conformance,
    checks.content_type_conformance,
]


@pytest.fixture(scope="module")
def fuzzed(served: Served, tmp_path_factory: pytest.TempPathFactory):
    """An API of its own (its store is written to), with a preview rate fuzzing won't hit."""
    segment_defs = tmp_path_factory.mktemp("fuzzed") / "segment_defs"
    shutil.copytree(served.settings.segment_defs, segment_defs)
    settings_ = replace(served.settings, segment_defs=segment_defs, preview_rate_per_minute=10_000)
    with LiveServer(settings_) as server:
        yield replace(served, url=server.url, settings=settings_)


def test_no_server_error_and_every_response_matches_its_schema(fuzzed: Served) -> None:
    schema = schemathesis.openapi.from_url(f"{fuzzed.url}/openapi.json")
    headers = {"Authorization": f"Bearer {fuzzed.token()}"}
    failures, tried, calls = {}, [], []
    for result in schema.get_all_operations():
        operation = result.ok()
        tried.append(operation.label)

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_PATH,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def check(case) -> None:
            calls.append(case.operation.label)
            case.call_and_validate(base_url=fuzzed.url, headers=headers, checks=CHECKS)

        try:
            check()
        except Exception as error:  # every operation is tried; all failures are reported
            failures[operation.label] = error
    assert len(tried) >= 12, tried
    assert set(calls) == set(tried) and len(calls) >= 5 * len(tried)
    assert not failures, "\n\n".join(f"{label}: {error}" for label, error in failures.items())


def test_the_fuzzed_store_is_not_the_shared_one(fuzzed: Served, served: Served) -> None:
    assert Path(fuzzed.settings.segment_defs) != Path(served.settings.segment_defs)
