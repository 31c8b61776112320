"""The faults a newcomer's first weeks bring, replayed through the daily job.

Bad exports, damaged files, a segment file copied or deleted by hand, a run killed
halfway: each time the job either keeps the last good state or reaches the correct new
one, loses nothing, and says what happened in words a person can act on.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines import run as daily
from segmentation.settings import REPOSITORY
from tools.synthetic.generator import GeneratorConfig, generate

DAY = date(2026, 11, 20)
TABLES = ("raw.crm_contacts", "raw.crm_tickets", "raw.crm_orders", "raw.crm_conversations",
          "raw.crm_campaign_recipients", "marts.contact_profile", "marts.contact_conversations",
          "segments.segment_membership", "segments.segment_days")  # fmt: skip


@dataclass(frozen=True)
class Site:
    """A deployment in a temporary folder: landing, store, warehouse, Dagster home."""

    root: Path

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    @property
    def store(self) -> Path:
        return self.root / "segment_defs"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def env(self) -> dict[str, str]:
        return {
            "SEGMENTATION_WAREHOUSE": str(self.warehouse),
            "SEGMENTATION_LANDING": str(self.landing),
            "SEGMENTATION_SEGMENT_DEFS": str(self.store),
            "SEGMENTATION_SPILL_DIRECTORY": str(self.root / "spill"),
            "DAGSTER_HOME": str(self.root / "dagster_home"),
        }

    def file(self, entity: str) -> Path:
        return self.landing / entity / "part-0.parquet"


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Site:
    """A good first day: generated exports, the example segments, one successful run."""
    site = Site(tmp_path)
    generate(GeneratorConfig(end_date=DAY, tenants=3, contacts_per_tenant=120), site.landing)
    shutil.copytree(REPOSITORY / "segment_defs", site.store)
    home = Path(site.env["DAGSTER_HOME"])
    home.mkdir()
    shutil.copy(REPOSITORY / "pipelines" / "dagster.yaml", home / "dagster.yaml")
    for name, value in site.env.items():
        monkeypatch.setenv(name, value)
    return site


def run_day(capsys: pytest.CaptureFixture) -> tuple[int, str]:
    """``make daily`` for DAY, in-process: its exit code and what it printed."""
    code = daily.main(["--day", DAY.isoformat()])
    return code, capsys.readouterr().out


def counts(site: Site) -> dict[str, int]:
    with duckdb.connect(str(site.warehouse), read_only=True) as con:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in TABLES}


def query(site: Site, sql: str) -> list[tuple]:
    with duckdb.connect(str(site.warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def rewrite(path: Path, change) -> None:
    """Replace the Parquet file at ``path`` by ``change(table)``, as an exporter would."""
    table = change(pq.read_table(path))
    pq.write_table(table, path, write_page_checksum=True)


def test_a_bad_export_keeps_the_last_good_warehouse(site: Site, capsys) -> None:
    assert run_day(capsys)[0] == 0
    good = counts(site)
    original = site.file("contacts").read_bytes()
    rewrite(site.file("contacts"), lambda table: table.slice(0, 0))  # an empty export

    code, out = run_day(capsys)

    assert code == 1
    assert "load of contacts refused, raw.crm_contacts is left as it was" in out
    assert "the export has no rows, where the last good load kept" in out
    assert counts(site) == good  # raw, marts and segments all as they were
    site.file("contacts").write_bytes(original)
    assert run_day(capsys)[0] == 0


def test_damaged_and_changed_exports_are_named_and_new_values_kept(site: Site, capsys) -> None:
    assert run_day(capsys)[0] == 0
    good = counts(site)
    originals = {e: site.file(e).read_bytes() for e in ("tickets", "orders")}

    def seconds(table: pa.Table) -> pa.Table:  # created_at exported as epoch seconds
        column = table.schema.get_field_index("created_at")
        return table.set_column(column, "created_at", pa.array([1] * table.num_rows, pa.int64()))

    rewrite(site.file("tickets"), seconds)
    corrupt_a_page(site.file("orders"))
    sms = add_sms_conversation(site)
    receipt = add_later_receipt(site)

    code, out = run_day(capsys)

    assert code == 1
    assert (
        f"{site.file('tickets')}: column 'created_at' should hold a timestamp (TIMESTAMP), "
        "found int64" in out
    )
    assert f"{site.file('orders')} is damaged" in out
    after = counts(site)
    assert (after["raw.crm_tickets"], after["raw.crm_orders"]) == (
        good["raw.crm_tickets"],
        good["raw.crm_orders"],
    )
    assert after["raw.crm_conversations"] == good["raw.crm_conversations"] + 1

    for entity, content in originals.items():
        site.file(entity).write_bytes(content)
    assert run_day(capsys)[0] == 0
    assert query(site, "SELECT channel FROM marts.contact_conversations "
                       f"WHERE conversation_id = '{sms}'") == [("sms",)]  # fmt: skip
    campaign_id, contact_id = receipt
    assert query(site, "SELECT status FROM marts.contact_campaigns "
                       f"WHERE campaign_id = '{campaign_id}' AND contact_id = '{contact_id}'") == [
        ("replied",)
    ]  # fmt: skip


def corrupt_a_page(path: Path) -> None:
    chunk = pq.ParquetFile(path).metadata.row_group(0).column(0)
    data = bytearray(path.read_bytes())
    data[chunk.data_page_offset + chunk.total_compressed_size - 4] ^= 0xFF
    path.write_bytes(bytes(data))


def add_sms_conversation(site: Site) -> str:
    """A conversation on a channel the CRM did not have yesterday."""
    (cid, contact_id), *_ = query(site, "SELECT cid, contact_id FROM raw.crm_contacts LIMIT 1")

    def with_sms(table: pa.Table) -> pa.Table:
        row = {c: None for c in table.column_names} | {
            "cid": cid, "conversation_id": "sms-1", "contact_id": contact_id, "channel": "SMS ",
            "status": "open", "started_at": datetime(2026, 11, 19, 3), "message_count": 2,
        }  # fmt: skip
        return pa.concat_tables([table, pa.Table.from_pylist([row], schema=table.schema)])

    rewrite(site.file("conversations"), with_sms)
    return "sms-1"


def add_later_receipt(site: Site) -> tuple[str, str]:
    """A second receipt of a delivery, read a day later, placed before the first."""
    (campaign_id, contact_id, status_at), *_ = query(
        site,
        "SELECT r.campaign_id, r.contact_id, r.status_at FROM raw.crm_campaign_recipients r "
        "JOIN raw.crm_campaigns c USING (campaign_id) WHERE r.status = 'delivered' "
        "AND c.sent_at < TIMESTAMP '2026-11-01' LIMIT 1",
    )

    def with_receipt(table: pa.Table) -> pa.Table:
        first = table.filter(
            pa.compute.and_(
                pa.compute.equal(table["campaign_id"], campaign_id),
                pa.compute.equal(table["contact_id"], contact_id),
            )
        )
        later = first.set_column(
            first.schema.get_field_index("status"), "status", pa.array(["replied"])
        ).set_column(
            first.schema.get_field_index("status_at"),
            "status_at",
            pa.array([status_at + timedelta(days=1)], pa.timestamp("us")),
        )
        return pa.concat_tables([later, table])  # the later receipt lands first

    rewrite(site.file("campaign_recipients"), with_receipt)
    return campaign_id, contact_id


def test_a_copied_and_a_deleted_segment_file(site: Site, capsys) -> None:
    assert run_day(capsys)[0] == 0
    by_id = {json.loads(p.read_text())["id"]: p for p in site.store.glob("*/*.json")}
    (deleted_id, copied_id), *_ = [query(
        site, "SELECT segment_id FROM segments.segment_membership "
              "GROUP BY ALL ORDER BY count(*) DESC LIMIT 2")]  # fmt: skip
    deleted_id, copied_id = deleted_id[0], copied_id[0]
    copied, deleted = by_id[copied_id], by_id[deleted_id]
    history = query(site, "SELECT * FROM segments.segment_membership ORDER BY ALL")
    shutil.copy(copied, copied.with_name("copy-of-" + copied.name))
    deleted.unlink()

    code, out = run_day(capsys)

    assert code == 1  # the store's check warns about the duplicate
    assert "INVALID (duplicate_segment_id)" in out
    kept = [r for r in history if r[0] == copied_id]
    assert query(site, "SELECT * FROM segments.segment_membership "
                       f"WHERE segment_id = '{copied_id}' ORDER BY ALL") == kept  # fmt: skip
    closed = query(site, "SELECT DISTINCT valid_to FROM segments.segment_membership "
                         f"WHERE segment_id = '{deleted_id}'")  # fmt: skip
    assert closed == [(DAY + timedelta(days=1),)]  # DAY's members stay; they exit after it
    assert query(site, "SELECT count(*) FROM segments.segment_matched_customers "
                       f"WHERE segment_id = '{deleted_id}'") == [(0,)]  # fmt: skip


def stop(process: subprocess.Popen, timeout: float = 20) -> None:
    """Terminate, then kill after ``timeout``: some environments ignore SIGINT/SIGTERM."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := condition():
            return found
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


def test_a_killed_run_is_marked_failed_and_the_day_runs_again(site: Site, capsys) -> None:
    """Why: a run whose process was killed stayed "Started" in the UI forever."""
    env = {**os.environ, **site.env}
    bin_dir = Path(sys.executable).parent
    worker = subprocess.Popen(
        [sys.executable, "-m", "pipelines.run", "--day", DAY.isoformat()],
        env=env, cwd=REPOSITORY, stdout=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    daemon = None
    try:
        with dg.DagsterInstance.get() as instance:
            started = wait_for(
                lambda: instance.get_runs(dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED])),
                120,
                "the run to start",
            )
            os.killpg(worker.pid, signal.SIGKILL)  # the run's process and its dbt, at once
            worker.wait(10)
            daemon = subprocess.Popen(
                [str(bin_dir / "dagster-daemon"), "run", "-w", "workspace.yaml"],
                env=env, cwd=REPOSITORY, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
            failed = wait_for(
                lambda: (
                    instance.get_run_by_id(started[0].run_id).status is dg.DagsterRunStatus.FAILURE
                ),
                120,
                "the run monitor to mark the dead run failed",
            )
        assert failed
    finally:
        stop(daemon) if daemon else None
        stop(worker)
    code, out = run_day(capsys)
    assert code == 0, out
    assert counts(site)["marts.contact_profile"] > 0
