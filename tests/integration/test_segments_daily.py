"""Daily segments end to end: marts built by dbt day after day, membership, and the
stats dbt builds from it."""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from assets.partitions import daily_partitions
from assets.resources import Engine, SegmentStore, Warehouse
from assets.segments import build_segment_assets, every_segment_is_valid
from segmentation.daily.membership import MEMBERSHIP, members_on
from segmentation.daily.run import run_day
from segmentation.daily.stats import (
    DAILY_STATS,
    DISTRIBUTIONS,
    MATCHED_CUSTOMERS,
    SIZES,
    build_stats,
)
from segmentation.daily.stats import ensure_tables as ensure_stats_tables
from segmentation.daily.store import OVERVIEW, read_store, record_store
from serving.reads import growth
from tests.conftest import AS_OF
from tests.helpers import contact, dbt_build, load_all, tenant, write_landing

D1 = date(2026, 3, 10)
D2, D3, D4 = (D1 + timedelta(days=n) for n in (1, 2, 3))
CHATTY = {  # had a conversation today
    "groups": [{"conditions": [
        {"type": "association", "association": "conversations", "window": {"last_days": 1}}
    ]}]
}  # fmt: skip


def segment(cid: str, slug: str, rule_set: dict, status="active", updated=None) -> dict:
    stamp = (updated or datetime(2026, 1, 1)).isoformat() + "Z"
    return {
        "id": f"{cid}-{slug}",
        "cid": cid,
        "name": slug,
        "status": status,
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": stamp,
        "rule_set": rule_set,
    }


def write_store(root: Path, *segments: dict) -> Path:
    for item in segments:
        folder = root / item["cid"]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{item['name']}.json").write_text(json.dumps(item))
    return root


def chat(conversation_id: str, contact_id: str, day: date, cid: str = "t1") -> dict:
    at = datetime.combine(day, datetime.min.time()) + timedelta(hours=3)  # 10:00 in Jakarta
    return {
        "cid": cid,
        "conversation_id": conversation_id,
        "contact_id": contact_id,
        "channel": "whatsapp",
        "status": "open",
        "started_at": at,
        "message_count": 1,
    }


@pytest.fixture(scope="module")
def three_days(tmp_path_factory):
    """a chats on all three days, b on day 1 and 3, c on day 2 only; t2's z every day."""
    work = tmp_path_factory.mktemp("days")
    chats = [
        chat(f"{c}{d.day}", c, d)
        for c, days in {"a": (D1, D2, D3), "b": (D1, D3), "c": (D2,)}.items()
        for d in days
    ]
    chats += [chat(f"z{d.day}", "z", d, cid="t2") for d in (D1, D2, D3)]
    write_landing(work / "landing", tenants=[tenant("t1"), tenant("t2")],
                  contacts=[contact("a", phone="+6281234567890", whatsapp_consent=True),
                            contact("b", email="b@mail.com", email_consent=True),
                            contact("c"), contact("z", cid="t2")],
                  conversations=chats)  # fmt: skip
    load_all(work / "w.duckdb", work / "landing", datetime(2026, 4, 1))
    store = write_store(work / "store", segment("t1", "chatty", CHATTY),
                        segment("t2", "chatty", CHATTY))  # fmt: skip
    results = []
    for day in (D1, D2, D3):
        dbt_build(work / "w.duckdb", day, work, select="+marts")
        with duckdb.connect(str(work / "w.duckdb")) as con:
            results.append(run_day(con, day, read_store(store)))
        build_stats(work / "w.duckdb", day, work=work)
    return work, results


def query(work: Path, sql: str, params=()) -> list[tuple]:
    with duckdb.connect(str(work / "w.duckdb"), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def test_scripted_days_give_entered_and_exited(three_days) -> None:
    work, results = three_days
    t1 = [next(c for c in r.changes if c.segment_id == "t1-chatty") for r in results]
    assert [(c.members, c.entered, c.exited) for c in t1] == [(2, 2, 0), (2, 1, 1), (2, 1, 1)]
    assert set(query(work, f"SELECT contact_id, valid_from, valid_to FROM {MEMBERSHIP} "
                           "WHERE segment_id = 't1-chatty'")) == {
        ("a", D1, None), ("b", D1, D2), ("b", D3, None), ("c", D2, D3),
    }  # fmt: skip
    stats = query(work, f"SELECT day, total_matched, total_customer_base, entered, exited, "
                        f"reachable_whatsapp, reachable_email FROM {DAILY_STATS} "
                        "WHERE segment_id = 't1-chatty' ORDER BY day")  # fmt: skip
    assert stats == [(D1, 2, 3, 2, 0, 1, 1), (D2, 2, 3, 1, 1, 1, 0), (D3, 2, 3, 1, 1, 1, 1)]


def test_distributions_add_up_to_the_matched(three_days) -> None:
    work, _ = three_days
    sums = query(work, f"SELECT s.day, d.dimension, sum(d.contacts), s.total_matched "
                       f"FROM {DISTRIBUTIONS} d JOIN {DAILY_STATS} s USING (segment_id, day) "
                       "GROUP BY ALL")  # fmt: skip
    assert len(sums) == 2 * 3 * 4
    assert all(total == matched for _, _, total, matched in sums)
    assert ("age", "unknown") in {tuple(r) for r in query(
        work, f"SELECT dimension, bucket FROM {DISTRIBUTIONS}")}  # fmt: skip


def test_no_output_row_mixes_tenants(three_days) -> None:
    work, _ = three_days
    for table in (MEMBERSHIP, MATCHED_CUSTOMERS):
        foreign = query(work, f"SELECT count(*) FROM {table} m JOIN marts.contact_profile p "
                              "USING (contact_id) WHERE p.cid <> m.cid")  # fmt: skip
        assert foreign == [(0,)]
    assert query(work, f"SELECT contact_id FROM {MEMBERSHIP} WHERE segment_id = 't2-chatty'") == [
        ("z",)
    ]
    assert query(
        work, f"SELECT DISTINCT cid FROM {DAILY_STATS} WHERE segment_id = 't2-chatty'"
    ) == [("t2",)]


def test_rerunning_a_day_changes_nothing(three_days, tmp_path) -> None:
    work, _ = three_days
    copy = tmp_path / "w.duckdb"
    shutil.copy(work / "w.duckdb", copy)
    tables = (MEMBERSHIP, DISTRIBUTIONS, MATCHED_CUSTOMERS)
    with duckdb.connect(str(copy)) as con:
        before = {t: sorted(con.execute(f"SELECT * FROM {t}").fetchall()) for t in tables}
        stats = sorted(con.execute(f"SELECT * EXCLUDE (computed_at) FROM {DAILY_STATS}").fetchall())
        result = run_day(con, D3, read_store(work / "store"))
    build_stats(copy, D3, work=tmp_path)
    with duckdb.connect(str(copy)) as con:
        assert all(c.entered == c.exited == 0 for c in result.changes)
        assert before == {t: sorted(con.execute(f"SELECT * FROM {t}").fetchall()) for t in tables}
        assert stats == sorted(
            con.execute(f"SELECT * EXCLUDE (computed_at) FROM {DAILY_STATS}").fetchall()
        )


def test_archived_and_edited_segments_keep_their_history(three_days, tmp_path) -> None:
    work, _ = three_days
    copy = tmp_path / "w.duckdb"
    shutil.copy(work / "w.duckdb", copy)
    nobody = {
        "groups": [{"conditions": [
            {"type": "field", "field": "full_name", "operator": "is", "value": "nobody"}
        ]}]
    }  # fmt: skip
    store = write_store(
        tmp_path / "store",
        segment("t1", "chatty", nobody, updated=datetime(2026, 3, 20)),  # edited after D3
        segment("t2", "chatty", CHATTY, status="archived"),
    )
    with duckdb.connect(str(copy)) as con:
        history = sorted(con.execute(f"SELECT * FROM {MEMBERSHIP}").fetchall())
        result = run_day(con, D3, read_store(store))
        assert result.changes == []
        assert result.skipped == {"t1-chatty": "rule set edited after the day",
                                  "t2-chatty": "archived"}  # fmt: skip
        assert sorted(con.execute(f"SELECT * FROM {MEMBERSHIP}").fetchall()) == history
        record_store(con, read_store(store))
        overview = con.execute(
            f"SELECT segment_id, status, total_matched, reachable_whatsapp FROM {OVERVIEW} "
            "ORDER BY 1"
        ).fetchall()
    # The archived segment keeps its last figures but shows no reachability.
    assert overview == [("t1-chatty", "active", 2, 1), ("t2-chatty", "archived", 1, None)]


def test_a_segment_gone_from_the_store_is_closed_and_a_duplicated_one_left_alone(
    three_days, tmp_path
) -> None:
    """Why: removed files used to stay counted as current, and a second file claiming an
    id overwrote the first segment's history."""
    work, _ = three_days
    copy = tmp_path / "w.duckdb"
    shutil.copy(work / "w.duckdb", copy)
    store = write_store(tmp_path / "store", segment("t2", "chatty", CHATTY))
    twin = json.loads((store / "t2" / "chatty.json").read_text()) | {"name": "chatty twin"}
    (store / "t2" / "twin.json").write_text(json.dumps(twin))  # same id: both invalid
    with duckdb.connect(str(copy)) as con:
        t2_history = con.execute(
            f"SELECT * FROM {MEMBERSHIP} WHERE segment_id = 't2-chatty' ORDER BY ALL"
        ).fetchall()
        result = run_day(con, D3, read_store(store))
    build_stats(copy, D3, work=tmp_path)
    with duckdb.connect(str(copy)) as con:
        assert result.removed == {"t1-chatty": "t1"}
        assert sorted(result.skipped.values()) == ["invalid", "invalid"]
        t1 = con.execute(f"SELECT contact_id, valid_from, valid_to FROM {MEMBERSHIP} "
                         "WHERE segment_id = 't1-chatty'").fetchall()  # fmt: skip
        current = con.execute(f"SELECT DISTINCT segment_id FROM {MATCHED_CUSTOMERS}").fetchall()
        assert (
            con.execute(
                f"SELECT * FROM {MEMBERSHIP} WHERE segment_id = 't2-chatty' ORDER BY ALL"
            ).fetchall()
            == t2_history
        )
        assert members_on(con, "t1-chatty", D2) == {"a", "c"}  # the past stays queryable
    # D3 was computed while it existed: its members stay, and all exit the day after.
    assert set(t1) == {("a", D1, D4), ("b", D1, D2), ("b", D3, D4), ("c", D2, D3)}
    assert current == [("t2-chatty",)]


def con_tenant_name(warehouse: Path, cid: str) -> str:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("SELECT name FROM raw.crm_tenants WHERE cid = ?", [cid]).fetchall()[0][0]


@pytest.fixture
def warehouse_copy(built_warehouse, tmp_path) -> Path:
    copy = tmp_path / "w.duckdb"
    shutil.copy(built_warehouse.path, copy)
    return copy


def test_invalid_segment_is_skipped_and_reported_while_the_rest_run(warehouse_copy, tmp_path):
    with duckdb.connect(str(warehouse_copy), read_only=True) as con:
        cid = con.execute("SELECT min(cid) FROM marts.contact_profile").fetchall()[0][0]
    store = write_store(
        tmp_path / "store",
        segment(cid, "everyone", {"groups": [{"conditions": [
            {"type": "field", "field": "full_name", "operator": "is_not_empty"}]}]}),
        segment(cid, "broken", {"groups": [{"conditions": [
            {"type": "field", "field": "shoe_size", "operator": "equals", "value": 42}]}]}),
    )  # fmt: skip
    partitions = daily_partitions(date(2025, 1, 1), "Asia/Jakarta")
    result = dg.materialize(
        [build_segment_assets(partitions), every_segment_is_valid],
        partition_key=AS_OF.isoformat(),
        resources={"warehouse": Warehouse(database=str(warehouse_copy)),
                   "segment_store": SegmentStore(path=str(store)), "engine": Engine()},
        selection=dg.AssetSelection.groups("segments"),
        raise_on_error=False,
    )  # fmt: skip
    assert result.success
    (check,) = result.get_asset_check_evaluations()
    assert not check.passed
    assert "broken.json" in check.metadata["errors"].value
    assert "unknown_field" in check.metadata["errors"].value
    with duckdb.connect(str(warehouse_copy), read_only=True) as con:
        computed = con.execute(f"SELECT DISTINCT segment_id FROM {MEMBERSHIP}").fetchall()
        base = con.execute("SELECT count(*) FROM marts.contact_profile WHERE cid = ?", [cid])
        base = base.fetchall()[0][0]
    assert computed == [(f"{cid}-everyone",)]
    (membership,) = [e for e in result.get_asset_materialization_events()
                     if e.asset_key.path[-1] == "segment_membership"]  # fmt: skip
    metadata = membership.materialization.metadata
    assert metadata["members_by_segment"].value == {f"{cid}-everyone": base}
    assert f"| {cid}-everyone | {base} | {base} | 0 |" in metadata["largest_changes"].value
    tenant_name = con_tenant_name(warehouse_copy, cid)
    assert metadata[f"members: everyone ({tenant_name})"].value == base  # plotted over time


def test_a_backfill_leaves_the_matched_customers_alone(three_days, tmp_path) -> None:
    """Matched customers are those of each segment's latest computed day: stats built
    for an earlier day replace that day's figures only."""
    work, _ = three_days
    copy = tmp_path / "w.duckdb"
    shutil.copy(work / "w.duckdb", copy)
    matched = f"SELECT * FROM {MATCHED_CUSTOMERS} ORDER BY ALL"
    with duckdb.connect(str(copy), read_only=True) as con:
        before = con.execute(matched).fetchall()
        later = con.execute(f"SELECT * FROM {DAILY_STATS} WHERE day > ? ORDER BY ALL", [D1])
        later = later.fetchall()
    build_stats(copy, D1, work=tmp_path)
    with duckdb.connect(str(copy), read_only=True) as con:
        assert con.execute(matched).fetchall() == before
        assert {
            day for (day,) in con.execute(f"SELECT day FROM {MATCHED_CUSTOMERS}").fetchall()
        } == {D3}
        assert (
            con.execute(f"SELECT * FROM {DAILY_STATS} WHERE day > ? ORDER BY ALL", [D1]).fetchall()
            == later
        )


def test_dbt_builds_the_stats_tables_as_the_core_declares_them(three_days) -> None:
    """Why: readers before the first build see tables the core creates empty
    (stats.ensure_tables); dbt must build the same columns and types."""
    work, _ = three_days
    tables = (DAILY_STATS, DISTRIBUTIONS, MATCHED_CUSTOMERS, SIZES)
    with duckdb.connect(str(work / "w.duckdb"), read_only=True) as con:
        built = {t: con.execute(f"DESCRIBE {t}").fetchall() for t in tables}
    with duckdb.connect() as con:
        ensure_stats_tables(con)
        declared = {t: con.execute(f"DESCRIBE {t}").fetchall() for t in tables}
    assert {t: [c[:2] for c in cols] for t, cols in built.items()} == {
        t: [c[:2] for c in cols] for t, cols in declared.items()
    }


def test_sizes_over_any_past_range_come_from_the_history_alone(three_days, tmp_path) -> None:
    """With every day's stats gone, one build (of the last day) answers total_matched,
    entered and exited for every computed day, equal to what the stats said."""
    work, _ = three_days
    copy = tmp_path / "w.duckdb"
    shutil.copy(work / "w.duckdb", copy)
    figures = "SELECT segment_id, day, total_matched, entered, exited FROM {} ORDER BY ALL"
    with duckdb.connect(str(copy)) as con:
        stats = con.execute(figures.format(DAILY_STATS)).fetchall()
        con.execute(f"DELETE FROM {DAILY_STATS}")
        con.execute(f"DROP TABLE {SIZES}")
    build_stats(copy, D3, work=tmp_path)
    with duckdb.connect(str(copy), read_only=True) as con:
        assert con.execute(figures.format(SIZES)).fetchall() == stats
        assert len(stats) == 2 * 3
        served = growth(con, "t1", "t1-chatty", D1, D3)
    assert [(g["day"], g["total_matched"], g["percentage_reach"]) for g in served] == [
        (D1, 2, None), (D2, 2, None), (D3, 2, pytest.approx(200 / 3)),
    ]  # fmt: skip
