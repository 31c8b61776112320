"""The published snapshot: the API answers from the previous one while a run is in
progress and from the new one once it is published, never from half a day."""

from __future__ import annotations

import json
import shutil
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from segmentation import snapshot
from segmentation.daily.run import run_day
from segmentation.daily.stats import build_stats
from segmentation.daily.store import read_segment, read_store, record_store, rule_set_hash
from segmentation.warehouse import store_context
from tests.conftest import AS_OF
from tests.helpers import segment, store
from tests.serving.conftest import LiveServer, Served, compute_and_publish

ALL_OF_JAKARTA = {"groups": [{"conditions": [
    {"type": "field", "field": "city", "operator": "is", "value": "Jakarta"}]}]}  # fmt: skip
EVERYONE = {"groups": [{"conditions": [
    {"type": "field", "field": "created_at", "operator": "is_not_empty"}]}]}  # fmt: skip


def published_files(directory: Path) -> set[str]:
    return {p.name for p in directory.glob(f"{snapshot.PREFIX}*.duckdb")}


@pytest.fixture
def own_site(served: Served, tmp_path: Path):
    """A warehouse, store and API of the test's own, one snapshot published."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(served.warehouse, warehouse)
    segment_defs, snapshots = tmp_path / "segment_defs", tmp_path / "snapshots"
    moving = segment("moving", "Moving", served.tenant, rule_set=ALL_OF_JAKARTA)
    store(segment_defs, **{f"{served.tenant}/moving": moving})
    compute_and_publish(warehouse, segment_defs, snapshots)
    settings = replace(served.settings, segment_defs=segment_defs, snapshots=snapshots)
    with LiveServer(settings) as server:
        yield replace(served, url=server.url, settings=settings, warehouse=warehouse)


def test_the_api_answers_from_the_previous_snapshot_until_the_new_one_is_live(own_site: Served):
    site = own_site
    with site.client() as client:
        before = client.get("/v1/segments/moving/detail").json()["total_matched"]
    path = site.settings.segment_defs / site.tenant / "moving.json"
    path.write_text(json.dumps(segment("moving", "Moving", site.tenant, rule_set=EVERYONE)))
    answers: list[tuple[int, int]] = []
    stop = threading.Event()

    def poll() -> None:
        with site.client() as client:
            while not stop.is_set():
                performance = client.get("/v1/segments/moving/performance").json()
                last = performance["growth"][-1]["total_matched"]
                by_source = sum(b["contacts"] for b in performance["distributions"]["source"])
                answers.append((last, by_source))

    poller = threading.Thread(target=poll)
    poller.start()
    try:
        with duckdb.connect(str(site.warehouse)) as con:  # the run holds the warehouse
            stored = read_store(site.settings.segment_defs, store_context(con, datetime.now(UTC)))
            record_store(con, stored)
            run_day(con, AS_OF, stored)
        build_stats(site.warehouse, AS_OF, work=site.warehouse.parent)  # dbt holds it
        with duckdb.connect(str(site.warehouse)) as con:
            time.sleep(0.5)  # the new day is in the warehouse, not yet published
            during_run = list(answers)
            snapshot.publish(con, site.settings.snapshots, AS_OF)
        time.sleep(0.3)
    finally:
        stop.set()
        poller.join()
    with site.client() as client:
        after = client.get("/v1/segments/moving/detail").json()["total_matched"]
    assert after > before
    assert during_run, "the API answered while the run held the warehouse"
    assert {total for total, _ in during_run} == {before}
    assert answers[-1][0] == after
    assert all(total == by_source for total, by_source in answers), "never half a day"


def test_old_snapshots_go_once_a_newer_one_is_live(own_site: Served):
    snapshots = own_site.settings.snapshots
    first = published_files(snapshots)
    with duckdb.connect(str(own_site.warehouse)) as con:
        second = snapshot.publish(con, snapshots, AS_OF)
        third = snapshot.publish(con, snapshots, AS_OF)
    assert second is not None and third is not None
    assert published_files(snapshots) == {second.path.name, third.path.name}
    assert not first & published_files(snapshots)
    assert snapshot.current(snapshots) == third


def test_a_backfill_of_a_past_day_does_not_replace_a_later_snapshot(own_site: Served):
    snapshots = own_site.settings.snapshots
    live = snapshot.current(snapshots)
    with duckdb.connect(str(own_site.warehouse)) as con:
        assert snapshot.publish(con, snapshots, AS_OF - timedelta(days=3)) is None
    assert snapshot.current(snapshots) == live


def test_a_snapshot_holds_every_served_table_and_nothing_else(own_site: Served):
    live = snapshot.current(own_site.settings.snapshots)
    with duckdb.connect(str(live.path), read_only=True) as con:
        tables = {
            f"{schema}.{name}"
            for schema, name in con.execute(
                "SELECT schema_name, table_name FROM duckdb_tables()"
            ).fetchall()
        }
    assert tables == set(snapshot.snapshot_tables())


def test_each_day_of_the_growth_line_names_the_rule_set_version_it_used(own_site: Served):
    path = own_site.settings.segment_defs / own_site.tenant / "moving.json"
    expected = rule_set_hash(read_segment(path).segment)
    with own_site.client() as client:
        growth = client.get("/v1/segments/moving/performance").json()["growth"]
        detail = client.get("/v1/segments/moving/detail").json()
    assert growth and {point["rule_set_version"] for point in growth} == {expected}
    assert detail["rule_set_version"] == expected
