"""The permission matrix: every path x the four scopes x all / owned / disabled, on a
segment of the caller's and on someone else's, plus a token of another tenant.

The expectations are the product's permission table, written here independently of the
app: the scope that governs each path, what ``owned`` reaches, what each status carries.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import httpx
import pytest

from serving.auth import Access, Scope
from tests.helpers import CITY_IS_JAKARTA
from tests.serving.conftest import Served

OTHER_USER = "someone-else"


@dataclass(frozen=True)
class Path:
    """One path of the API and the scopes that govern it."""

    name: str
    method: str
    template: str
    success: int
    governed_by: tuple[Scope, ...]
    """All of these must allow the call (for ``builder`` paths: any of them)."""
    any_of: bool = False
    on_segment: bool = True
    body: dict | None = None


PATHS = [
    Path("list", "GET", "/v1/segments", 200, (Scope.VIEW,), on_segment=False),
    Path("create", "POST", "/v1/segments", 201, (Scope.ADD,), on_segment=False,
         body={"name": "Matrix", "rule_set": CITY_IS_JAKARTA}),
    Path("get", "GET", "/v1/segments/{id}", 200, (Scope.VIEW,)),
    Path("edit", "PATCH", "/v1/segments/{id}", 200, (Scope.MANAGE,), body={"description": "x"}),
    Path("archive", "POST", "/v1/segments/{id}/archive", 200, (Scope.ARCHIVE,)),
    Path("duplicate", "POST", "/v1/segments/{id}/duplicate", 201, (Scope.ADD, Scope.VIEW)),
    Path("versions", "GET", "/v1/segments/{id}/versions", 200, (Scope.VIEW,)),
    Path("diff", "GET", "/v1/segments/{id}/versions/1/diff/1", 200, (Scope.VIEW,)),
    Path("explain", "GET", "/v1/segments/{id}/explain?contact_id={contact}", 200, (Scope.VIEW,)),
    Path("detail", "GET", "/v1/segments/{id}/detail", 200, (Scope.VIEW,)),
    Path("performance", "GET", "/v1/segments/{id}/performance", 200, (Scope.VIEW,)),
    Path("reachability", "GET", "/v1/segments/{id}/reachability", 200, (Scope.VIEW,)),
    Path("preview", "POST", "/v1/segments/preview", 200, (Scope.ADD, Scope.MANAGE), any_of=True,
         on_segment=False, body={"rule_set": CITY_IS_JAKARTA}),
    Path("fields", "GET", "/v1/customers/fields", 200, (Scope.ADD, Scope.MANAGE), any_of=True,
         on_segment=False),
]  # fmt: skip

CASES = [
    (path, scope, access, mine)
    for path in PATHS
    for scope in Scope
    for access in Access
    for mine in ((True, False) if path.on_segment else (True,))
]


def expected_status(path: Path, scope: Scope, access: Access, mine: bool) -> int:
    """The permission table: only ``scope`` is varied, every other scope is ``all``."""
    if scope not in path.governed_by:
        return path.success
    if access is Access.DISABLED:
        return path.success if path.any_of else 403
    if access is Access.OWNED and path.on_segment and not mine and scope is not Scope.ADD:
        return 403
    return path.success


def call(client: httpx.Client, path: Path, segment_id: str | None, etag: str | None, contact=""):
    url = path.template.format(id=segment_id, contact=contact)
    headers = {"If-Match": etag} if etag and path.method == "PATCH" else {}
    return client.request(path.method, url, json=path.body, headers=headers)


def new_segment(served: Served, owner: str) -> tuple[str, str]:
    """A fresh segment owned by ``owner`` (so mutations never touch shared ones)."""
    with served.client(served.token(user=owner)) as client:
        response = client.post(
            "/v1/segments", json={"name": f"Target of {owner}", "rule_set": CITY_IS_JAKARTA}
        )
    assert response.status_code == 201, response.text
    return response.json()["id"], response.headers["ETag"]


@pytest.mark.parametrize(
    ("path", "scope", "access", "mine"),
    CASES,
    ids=[f"{p.name}-{s.name.lower()}={a.value}-{'own' if m else 'others'}" for p, s, a, m in CASES],
)
def test_permission_matrix(served: Served, path: Path, scope: Scope, access: Access, mine: bool):
    segment_id = etag = None
    if path.on_segment:
        segment_id, etag = new_segment(served, served.owner if mine else OTHER_USER)
    token = served.token(**{scope.name.lower(): access})
    with served.client(token) as client:
        response = call(client, path, segment_id, etag, served.contact)
    expected = expected_status(path, scope, access, mine)
    assert response.status_code == expected, response.text
    body = response.json()
    if expected == 403:
        assert body["error"]["code"] in {"permission_denied", "not_owner"}
        assert scope.value in body["error"]["message"]
    elif path.name == "list":
        owners = {s["owner_id"] for s in body["data"]}
        if scope is Scope.VIEW and access is Access.OWNED:
            assert owners == {served.owner}
        else:
            assert len(owners) > 1


@pytest.mark.parametrize("path", [p for p in PATHS if p.on_segment], ids=lambda p: p.name)
def test_another_tenants_segment_is_not_found_on_every_path(served: Served, path: Path):
    token = served.token(cid=served.other_tenant)
    with served.client(token) as client:
        etag = "anything"
        response = call(client, path, served.owned_segment, etag, served.contact)
    assert response.status_code == 404, response.text
    assert response.json()["error"]["code"] == "segment_not_found"
    assert served.owned_segment not in response.text.replace(f"'{served.owned_segment}'", "")


def test_another_tenant_lists_only_its_own_segments(served: Served):
    with served.client(served.token(cid=served.other_tenant)) as client:
        listed = client.get("/v1/segments", params={"per_page": 100}).json()["data"]
    assert served.foreign_segment in {s["id"] for s in listed}
    assert served.owned_segment not in {s["id"] for s in listed}


def test_owned_only_customers_see_their_contacts_and_the_true_counts(served: Served):
    segment_id = served.others_segment
    with served.client() as client:
        everyone = client.get(f"/v1/segments/{segment_id}/detail", params={"per_page": 100})
    token = served.token(customers=Access.OWNED)
    with served.client(token) as client:
        own = client.get(f"/v1/segments/{segment_id}/detail", params={"per_page": 100})
    everyone, own = everyone.json(), own.json()
    assert own["total_matched"] == everyone["total_matched"] > 0
    assert 0 < own["customers"]["meta"]["total"] < everyone["customers"]["meta"]["total"]
    ids = [c["contact_id"] for c in own["customers"]["data"]]
    with duckdb.connect(str(served.warehouse), read_only=True) as con:
        owners = con.execute(
            "SELECT DISTINCT owner_id FROM marts.contact_profile "
            "WHERE cid = ? AND contact_id IN (SELECT unnest(?))",
            [served.tenant, ids],
        ).fetchall()
    assert owners == [(served.owner,)]


def test_no_token_or_a_bad_one_is_401(served: Served):
    with httpx.Client(base_url=served.url) as client:
        missing = client.get("/v1/segments")
        forged = client.get(
            "/v1/segments",
            headers={"Authorization": "Bearer " + served.token()[:-4] + "AAAA"},
        )
    assert missing.status_code == forged.status_code == 401
    assert missing.json()["error"]["code"] == "unauthenticated"
    assert forged.json()["error"]["code"] == "invalid_token"
