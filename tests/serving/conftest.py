"""A real API: uvicorn on 127.0.0.1 over a snapshot published from a pipeline-built
warehouse (the session's generated CRM, its example segments computed)."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import httpx
import pytest
import uvicorn

from segmentation import snapshot
from segmentation.daily.run import run_day
from segmentation.daily.stats import DAILY_STATS, build_stats
from segmentation.daily.store import read_store, record_store
from segmentation.landing.sources import entity
from segmentation.settings import REPOSITORY
from segmentation.warehouse import store_context
from serving.app import create_app
from serving.auth import Access, Scope, mint
from serving.config import ServingSettings
from tests.conftest import AS_OF, BuiltWarehouse
from tests.helpers import segment, store

TENANTS = entity("tenants").relation


class LiveServer:
    """uvicorn serving an app in a thread, on a free port of 127.0.0.1."""

    def __init__(self, settings: ServingSettings) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        config = uvicorn.Config(
            create_app(settings), host="127.0.0.1", port=port, log_level="warning"
        )
        self.server = uvicorn.Server(config)
        self.url = f"http://127.0.0.1:{port}"
        self._thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the API did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=10)


@dataclass(frozen=True)
class Served:
    """The running API and what the tests know about its data."""

    url: str
    settings: ServingSettings
    warehouse: Path
    tenant: str
    other_tenant: str
    owner: str
    """A user of ``tenant`` who owns contacts and the segment ``owned_segment``."""
    owned_segment: str
    others_segment: str
    """A segment of ``tenant`` nobody owns (an example segment)."""
    foreign_segment: str
    """A segment of ``other_tenant``."""
    contact: str
    """A contact of ``tenant`` that ``owner`` owns."""

    def token(
        self,
        cid: str | None = None,
        user: str | None = None,
        customers: Access = Access.ALL,
        **scopes: Access,
    ) -> str:
        """A token for ``user`` (default: the owner) of ``cid`` (default: the tenant);
        every scope ``all`` unless given by name (``view=Access.OWNED``)."""
        granted = {s: scopes.get(s.name.lower(), Access.ALL) for s in Scope}
        return mint(
            self.settings.secret, cid or self.tenant, user or self.owner, granted, customers
        )

    def client(self, token: str | None = None) -> httpx.Client:
        """An HTTP client of the API, with ``token`` (default: the owner's, all scopes)."""
        headers = {"Authorization": f"Bearer {token or self.token()}"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)


def compute_and_publish(warehouse: Path, segment_defs: Path, snapshots: Path) -> None:
    """What the daily run does after the marts: the day's segments, their stats (dbt),
    then the snapshot."""
    with duckdb.connect(str(warehouse)) as con:
        stored = read_store(segment_defs, store_context(con, datetime.now(UTC)))
        record_store(con, stored)
        run_day(con, AS_OF, stored)
    build_stats(warehouse, AS_OF, work=warehouse.parent)
    with duckdb.connect(str(warehouse)) as con:
        snapshot.publish(con, snapshots, AS_OF)


@pytest.fixture(scope="session")
def served(
    built_warehouse: BuiltWarehouse, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    work = tmp_path_factory.mktemp("served")
    warehouse = work / "warehouse.duckdb"
    shutil.copy(built_warehouse.path, warehouse)
    segment_defs = work / "segment_defs"
    shutil.copytree(REPOSITORY / "segment_defs", segment_defs)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tenants = [r[0] for r in con.execute(f"SELECT cid FROM {TENANTS} ORDER BY cid").fetchall()]
        tenant, other = tenants[0], tenants[1]
        owner = con.execute(
            "SELECT owner_id FROM marts.contact_profile WHERE cid = ? AND owner_id IS NOT NULL "
            "GROUP BY owner_id ORDER BY count(*) DESC, owner_id LIMIT 1",
            [tenant],
        ).fetchall()[0][0]
        contact = con.execute(
            "SELECT min(contact_id) FROM marts.contact_profile WHERE cid = ? AND owner_id = ?",
            [tenant, owner],
        ).fetchall()[0][0]
    store(
        segment_defs,
        **{
            f"{tenant}/owned": segment("owned-1", "Owned in Jakarta", tenant, owner_id=owner),
            f"{other}/foreign": segment("foreign-1", "Another tenant's", other),
        },
    )
    unowned = [
        s.segment.id
        for s in read_store(segment_defs)
        if s.valid and s.segment.cid == tenant and s.segment.owner_id is None
    ]
    snapshots = work / "snapshots"
    compute_and_publish(warehouse, segment_defs, snapshots)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        largest = con.execute(
            f"SELECT segment_id FROM {DAILY_STATS} WHERE segment_id IN (SELECT unnest(?)) "
            "ORDER BY total_matched DESC LIMIT 1",
            [unowned],
        ).fetchall()[0][0]
    settings = replace(
        ServingSettings(segment_defs=segment_defs, snapshots=snapshots),
        tier_limits={"plus": 1000, "ultimate": 1000, "360": 1000},
    )
    with LiveServer(settings) as server:
        yield Served(
            server.url,
            settings,
            warehouse,
            tenant,
            other,
            owner,
            "owned-1",
            largest,
            "foreign-1",
            contact,
        )
