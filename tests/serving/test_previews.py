"""Previews over HTTP: the true count whoever asks, a deadline that interrupts the query
(504), a per-tenant rate (429), and a cap on request bodies (413)."""

from __future__ import annotations

import shutil
import time
from dataclasses import replace
from pathlib import Path

import duckdb
import httpx
import pytest

from segmentation import snapshot
from serving.app import _with_deadline
from serving.auth import Access
from serving.errors import ApiError
from tests.helpers import CITY_IS_JAKARTA
from tests.serving.conftest import LiveServer, Served

EVERYONE = {"groups": [{"conditions": [
    {"type": "field", "field": "created_at", "operator": "is_not_empty"}]}]}  # fmt: skip


def test_an_owned_only_viewer_sees_the_true_count_and_a_sample_of_their_own(served: Served):
    body = {"rule_set": EVERYONE}
    with served.client() as client:
        everyone = client.post("/v1/segments/preview", json=body).json()
    with served.client(served.token(customers=Access.OWNED)) as client:
        own = client.post("/v1/segments/preview", json=body).json()
    assert own["total_matched"] == everyone["total_matched"] == everyone["total_customer_base"]
    assert 0 < len(own["sample"]) <= 10
    ids = [c["contact_id"] for c in own["sample"]]
    with duckdb.connect(str(served.warehouse), read_only=True) as con:
        owners = con.execute(
            "SELECT DISTINCT owner_id FROM marts.contact_profile WHERE contact_id IN "
            "(SELECT unnest(?))",
            [ids],
        ).fetchall()
    assert owners == [(served.owner,)]


def test_a_body_over_the_limit_is_413_declared_or_streamed(served: Served):
    limit = served.settings.max_body_bytes
    padding = {"rule_set": CITY_IS_JAKARTA, "pad": "x" * (limit + 1)}
    with served.client() as client:
        declared = client.post("/v1/segments/preview", json=padding)
        streamed = client.post(
            "/v1/segments",
            content=(b"x" * 1024 for _ in range(limit // 1024 + 2)),
            headers={"Content-Type": "application/json"},
        )
    for response in (declared, streamed):
        assert response.status_code == 413, response.text
        assert response.json()["error"]["code"] == "body_too_large"


@pytest.fixture
def rate_limited(served: Served):
    settings = replace(served.settings, preview_rate_per_minute=3)
    with LiveServer(settings) as server:
        yield replace(served, url=server.url, settings=settings)


def test_previews_past_the_tenants_rate_are_429_with_retry_after(rate_limited: Served):
    body = {"rule_set": CITY_IS_JAKARTA}
    with rate_limited.client() as client:
        statuses = [client.post("/v1/segments/preview", json=body).status_code for _ in range(4)]
        refused = client.post("/v1/segments/preview", json=body)
    assert statuses == [200, 200, 200, 429]
    assert refused.json()["error"]["code"] == "too_many_previews"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    with rate_limited.client(rate_limited.token(cid=rate_limited.other_tenant)) as client:
        other = client.post("/v1/segments/preview", json=body)
    assert other.status_code == 200, "another tenant has its own allowance"


@pytest.fixture
def slow_site(served: Served, tmp_path: Path):
    """A snapshot whose tenant has 4M contacts (a preview scans them for tens of ms), and a
    deadline of 5 ms."""
    snapshots = tmp_path / "snapshots"
    snapshots.mkdir()
    live = snapshot.current(served.settings.snapshots)
    shutil.copy(live.path, snapshots / live.path.name)
    shutil.copy(served.settings.snapshots / snapshot.POINTER, snapshots / snapshot.POINTER)
    with duckdb.connect(str(snapshots / live.path.name)) as con:
        con.execute(
            "INSERT INTO marts.contact_profile SELECT p.* REPLACE (p.contact_id || '-' || i AS "
            "contact_id) FROM marts.contact_profile p, range(4000000 // "
            "(SELECT count(*) FROM marts.contact_profile WHERE cid = ?)) AS copies(i) "
            "WHERE p.cid = ?",
            [served.tenant, served.tenant],
        )
    settings = replace(served.settings, snapshots=snapshots, preview_deadline_seconds=0.005)
    with LiveServer(settings) as server:
        yield replace(served, url=server.url, settings=settings)


def test_a_preview_past_its_deadline_is_interrupted_and_answered_504(slow_site: Served):
    conditions = [
        {"type": "field", "field": "full_name", "operator": "contains", "value": "zq"},
        {"type": "field", "field": "email", "operator": "ends_with", "value": "x.id"},
    ]
    slow = {"groups": [{"conditions": conditions}]}
    with slow_site.client() as client:
        timed_out = client.post("/v1/segments/preview", json={"rule_set": slow})
        fields = client.get("/v1/customers/fields")
    assert timed_out.status_code == 504, timed_out.text
    assert timed_out.json()["error"]["code"] == "preview_timed_out"
    assert fields.status_code == 200, "the interrupted query left the snapshot usable"


def test_a_deadline_that_falls_between_two_queries_still_refuses_the_late_answer():
    """An interrupt stops only a running query: one that lands between the work's queries
    must not let a late answer through as 200."""
    con = duckdb.connect()

    def two_queries_with_a_pause_between():
        con.sql("SELECT 1").fetchall()
        time.sleep(0.05)
        return con.sql("SELECT 2").fetchall()

    with pytest.raises(ApiError) as refused:
        _with_deadline(con, 0.01, two_queries_with_a_pause_between)
    assert refused.value.status == 504
    assert _with_deadline(con, 5, lambda: con.sql("SELECT 3").fetchall()) == [(3,)]


def test_the_openapi_document_is_published(served: Served):
    document = httpx.get(f"{served.url}/openapi.json").json()
    paths = set(document["paths"])
    assert {
        "/v1/segments",
        "/v1/segments/{segment_id}",
        "/v1/segments/{segment_id}/archive",
        "/v1/segments/{segment_id}/duplicate",
        "/v1/segments/preview",
        "/v1/segments/{segment_id}/detail",
        "/v1/segments/{segment_id}/performance",
        "/v1/segments/{segment_id}/reachability",
        "/v1/customers/fields",
    } <= paths
