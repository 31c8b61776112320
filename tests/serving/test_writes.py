"""Writes through the API land in the segment store whole, validated by the pipeline's
own reading, versioned, and safe under concurrency (the tier limit, ETags)."""

from __future__ import annotations

import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest

from segmentation.daily.store import read_store, segment_files
from serving.auth import Access
from tests.helpers import CITY_IS_JAKARTA
from tests.serving.conftest import LiveServer, Served


def test_a_created_segment_is_a_valid_store_file_the_pipeline_reads(served: Served):
    with served.client() as client:
        created = client.post(
            "/v1/segments",
            json={"name": "Jakarta fans", "description": "d", "rule_set": CITY_IS_JAKARTA},
        )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["owner_id"] == served.owner and body["status"] == "active"
    assert created.headers["ETag"] == body["etag"]
    stored = {s.segment.id: s for s in read_store(served.settings.segment_defs) if s.valid}
    assert stored[body["id"]].segment.name == "Jakarta fans"
    assert stored[body["id"]].segment.cid == served.tenant
    leftovers = list(served.settings.segment_defs.rglob("*.tmp"))
    assert leftovers == []


def test_every_problem_of_a_rule_set_is_a_422_with_its_pointer(served: Served):
    rule_set = {
        "groups": [
            {
                "conditions": [
                    {"type": "field", "field": "no_such_field", "operator": "is", "value": "x"},
                    {"type": "field", "field": "city", "operator": "greater_than", "value": 3},
                ]
            }
        ]
    }
    with served.client() as client:
        for path in ("/v1/segments", "/v1/segments/preview"):
            body = {"rule_set": rule_set} | ({"name": "Bad"} if path == "/v1/segments" else {})
            response = client.post(path, json=body)
            assert response.status_code == 422, response.text
            details = response.json()["error"]["details"]
            pointers = {d["pointer"] for d in details}
            assert "/rule_set/groups/0/conditions/0/field" in pointers
            assert any(p.startswith("/rule_set/groups/0/conditions/1") for p in pointers)
            assert all(d["code"] and d["message"] for d in details)


def test_names_and_descriptions_over_their_limits_are_422(served: Served):
    with served.client() as client:
        long_name = client.post(
            "/v1/segments", json={"name": "n" * 61, "rule_set": CITY_IS_JAKARTA}
        )
        long_text = client.post(
            "/v1/segments",
            json={"name": "ok", "description": "d" * 251, "rule_set": CITY_IS_JAKARTA},
        )
    assert long_name.status_code == long_text.status_code == 422
    assert long_name.json()["error"]["details"][0]["pointer"] == "/body/name"
    assert long_text.json()["error"]["details"][0]["pointer"] == "/body/description"


def test_edits_need_the_current_etag_and_every_version_is_kept(served: Served):
    with served.client() as client:
        created = client.post("/v1/segments", json={"name": "v1", "rule_set": CITY_IS_JAKARTA})
        segment_id, etag = created.json()["id"], created.headers["ETag"]
        url = f"/v1/segments/{segment_id}"
        assert client.patch(url, json={"name": "v2"}).status_code == 428
        second = client.patch(url, json={"name": "v2"}, headers={"If-Match": etag})
        assert second.status_code == 200 and second.json()["name"] == "v2"
        stale = client.patch(url, json={"name": "v3"}, headers={"If-Match": etag})
        assert stale.status_code == 412
        assert stale.json()["error"]["code"] == "stale_version"
        third = client.patch(
            url, json={"description": "third"}, headers={"If-Match": second.headers["ETag"]}
        )
        assert third.status_code == 200
        versions = client.get(f"{url}/versions").json()["data"]
        current = client.get(url)
    assert [v["version"] for v in versions] == [1, 2, 3]
    assert [v["name"] for v in versions] == ["v1", "v2", "v2"]
    assert versions[-1]["etag"] == current.headers["ETag"] == third.headers["ETag"]


def test_parallel_edits_with_one_etag_let_exactly_one_win(served: Served):
    with served.client() as client:
        created = client.post("/v1/segments", json={"name": "race", "rule_set": CITY_IS_JAKARTA})
    url, etag = f"/v1/segments/{created.json()['id']}", created.headers["ETag"]

    def edit(i: int) -> int:
        with served.client() as client:
            response = client.patch(
                url, json={"description": f"edit {i}"}, headers={"If-Match": etag}
            )
            return response.status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = sorted(pool.map(edit, range(8)))
    assert statuses == [200] + [412] * 7


@pytest.fixture
def limited(served: Served, tmp_path: Path):
    """An API whose tenants may have 3 more active segments than the tenant has now."""
    segment_defs = tmp_path / "segment_defs"
    shutil.copytree(served.settings.segment_defs, segment_defs)
    active = sum(
        1
        for path in segment_files(segment_defs)
        if path.parent.name == served.tenant
        and json.loads(path.read_text()).get("status", "active") == "active"
    )
    limit = active + 3
    settings = replace(
        served.settings,
        segment_defs=segment_defs,
        tier_limits=dict.fromkeys(served.settings.tier_limits, limit),
    )
    with LiveServer(settings) as server:
        yield replace(served, url=server.url, settings=settings), limit


def test_parallel_creates_at_the_tier_limit_let_exactly_the_allowed_number_in(limited):
    served, limit = limited

    def create(i: int):
        with served.client() as client:
            return client.post("/v1/segments", json={"name": f"p{i}", "rule_set": CITY_IS_JAKARTA})

    with ThreadPoolExecutor(10) as pool:
        responses = list(pool.map(create, range(10)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] * 3 + [409] * 7
    refused = next(r for r in responses if r.status_code == 409).json()["error"]
    assert refused["code"] == "segment_limit_reached"
    assert refused["message"].startswith("Segment limit reached")
    assert str(limit) in refused["message"]
    first = next(r for r in responses if r.status_code == 201).json()["id"]
    with served.client() as client:
        archived = client.post(f"/v1/segments/{first}/archive")
        assert archived.status_code == 200 and archived.json()["status"] == "archived"
        again = client.post("/v1/segments", json={"name": "after", "rule_set": CITY_IS_JAKARTA})
    assert again.status_code == 201, "archiving frees a place under the limit"


def test_two_versions_differ_in_words_condition_by_condition(served: Served):
    bogor = {"groups": [{"conditions": [
        {"type": "field", "field": "city", "operator": "is", "value": "Bogor"}]}]}  # fmt: skip
    with served.client() as client:
        created = client.post("/v1/segments", json={"name": "v1", "rule_set": CITY_IS_JAKARTA})
        url = f"/v1/segments/{created.json()['id']}"
        client.patch(
            url,
            json={"name": "v2", "rule_set": bogor},
            headers={"If-Match": created.headers["ETag"]},
        )
        diff = client.get(f"{url}/versions/1/diff/2")
        same = client.get(f"{url}/versions/2/diff/2")
        missing = client.get(f"{url}/versions/1/diff/9")
        versions = client.get(f"{url}/versions").json()["data"]
    assert diff.status_code == 200, diff.text
    assert diff.json()["changes"] == [
        "name changed from 'v1' to 'v2'",
        'group 1, condition 1: was City (domicile) is "Jakarta", now City (domicile) is "Bogor"',
    ]
    assert same.json()["changes"] == ["nothing changed"]
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "version_not_found"
    assert versions[0]["rule_set_version"] != versions[1]["rule_set_version"]


def test_explain_agrees_with_the_matched_customers_and_hides_contacts_not_shown(served: Served):
    segment_id = served.others_segment
    with served.client() as client:
        members = client.get(f"/v1/segments/{segment_id}/detail", params={"per_page": 100})
        member = members.json()["customers"]["data"][0]["contact_id"]
        why = client.get(f"/v1/segments/{segment_id}/explain", params={"contact_id": member})
        nobody = client.get(f"/v1/segments/{segment_id}/explain", params={"contact_id": "nobody"})
    assert why.status_code == 200, why.text
    assert why.json()["matched"] is True
    assert all("summary" in c for g in why.json()["groups"] for c in g["conditions"])
    assert nobody.status_code == 404 and nobody.json()["error"]["code"] == "contact_not_found"
    with served.client(served.token(user="someone-else", customers=Access.OWNED)) as client:
        hidden = client.get(f"/v1/segments/{segment_id}/explain", params={"contact_id": member})
    assert hidden.status_code == 404, "a contact the caller may not see is not explained"


def test_segments_of_segments_are_offered_previewed_and_never_closed_in_a_cycle(served: Served):
    """The palette lists the tenant's segments; a preview of "is in" one reads its
    recorded history; an edit that would close a cycle is refused with the path."""
    with served.client() as client:
        base = client.post("/v1/segments", json={"name": "Base", "rule_set": CITY_IS_JAKARTA})
        base_id = base.json()["id"]

        def on(segment_id: str, operator: str = "is_not_in") -> dict:
            condition = {"type": "segment", "segment_id": segment_id, "operator": operator}
            return {"groups": [{"conditions": [condition]}]}

        user = client.post("/v1/segments", json={"name": "User", "rule_set": on(base_id)})
        assert user.status_code == 201, user.text
        palette = client.get("/v1/customers/fields").json()
        preview = client.post("/v1/segments/preview", json={"rule_set": on(base_id)})
        unknown = client.post("/v1/segments/preview", json={"rule_set": on("nope")})
        closing = client.patch(
            f"/v1/segments/{base_id}",
            json={"rule_set": on(user.json()["id"], "is_in")},
            headers={"If-Match": base.headers["ETag"]},
        )
    assert {"id": base_id, "name": "Base"} in palette["segments"]
    assert "entered_in_last_days" in palette["segment_operators"]
    # Not computed yet: nobody is in it, so everybody is "not in" it.
    assert preview.status_code == 200, preview.text
    assert preview.json()["total_matched"] == preview.json()["total_customer_base"]
    assert unknown.status_code == 422
    assert unknown.json()["error"]["details"][0]["code"] == "unknown_segment"
    assert closing.status_code == 422, closing.text
    (detail,) = closing.json()["error"]["details"]
    assert detail["code"] == "segment_cycle" and "'Base'" in detail["message"]
