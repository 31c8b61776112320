"""The synthetic CRM generator: deterministic, realistic, dirty on purpose."""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from segmentation.landing import sources
from segmentation.landing.sources import ENTITIES, PHONE_PATTERN
from segmentation.rules.catalog import FieldType
from tools.cli import main
from tools.synthetic import generator
from tools.synthetic.generator import MANIFEST, GeneratorConfig, LandingNotOurs, generate

CONFIG = GeneratorConfig(end_date=date(2026, 6, 30), seed=11, tenants=2, contacts_per_tenant=300)


def read(landing: Path, entity: str) -> pl.DataFrame:
    return pl.read_parquet(landing / entity / "*.parquet")


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("landing")
    generate(CONFIG, path)
    return path


def test_generator_same_config_gives_identical_data(landing: Path, tmp_path: Path) -> None:
    again = generate(CONFIG, tmp_path)
    for entity in ENTITIES:
        assert read(landing, entity.name).equals(read(tmp_path, entity.name)), entity.name
    assert again.rows["contacts"] == read(landing, "contacts").height


def test_generator_other_seed_gives_other_data(landing: Path, tmp_path: Path) -> None:
    generate(replace(CONFIG, seed=12), tmp_path)
    ours = set(read(landing, "contacts")["contact_id"])
    theirs = set(read(tmp_path, "contacts")["contact_id"])
    assert not ours & theirs


def test_generator_entity_streams_are_independent(landing: Path, tmp_path: Path) -> None:
    """Why: tuning one entity must not reshuffle every other table of a benchmark."""
    generate(replace(CONFIG, conversations_per_contact=2.0), tmp_path)
    assert read(landing, "contacts").equals(read(tmp_path, "contacts"))
    assert read(landing, "orders").equals(read(tmp_path, "orders"))
    assert read(tmp_path, "conversations").height < read(landing, "conversations").height


def test_generator_writes_every_entity_in_the_landing_contract(landing: Path) -> None:
    for entity in ENTITIES:
        frame = read(landing, entity.name)
        assert set(entity.columns) <= set(frame.columns), entity.name
        assert frame.height > 0, entity.name


def test_generator_values_look_like_an_indonesian_crm(landing: Path) -> None:
    contacts = read(landing, "contacts")
    phones = contacts["phone"].drop_nulls()
    valid = phones.map_elements(lambda p: bool(re.fullmatch(PHONE_PATTERN, p)), pl.Boolean)
    assert valid.mean() > 0.95
    assert "Jakarta" in set(contacts["city"].drop_nulls())
    tenants = read(landing, "tenants")
    assert set(tenants["timezone"]) <= {"Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"}
    orders = read(landing, "orders")
    assert orders["amount"].median() > 50_000  # rupiah


def test_generator_gives_each_tenant_a_field_of_every_type(landing: Path) -> None:
    definitions = read(landing, "custom_field_definitions")
    for _cid, fields in definitions.group_by("cid"):
        assert set(fields["field_type"]) == {t.value for t in FieldType}


def test_generator_clean_activity_lies_within_the_history(landing: Path) -> None:
    start = datetime(2024, 6, 30)
    conversations = read(landing, "conversations")["started_at"]
    in_history = (conversations >= start) & (conversations < datetime(2026, 6, 30))
    # Only the injected future timestamps fall outside.
    assert (~in_history).sum() == pytest.approx(conversations.len() * CONFIG.dirty_rate, abs=3)


def test_generator_records_the_dirt_it_injects(tmp_path: Path) -> None:
    result = generate(CONFIG, tmp_path)
    contacts = read(tmp_path, "contacts")
    assert result.dirt["contacts"]["duplicate_key"] == (
        contacts.height - contacts["contact_id"].n_unique()
    )
    malformed = contacts.filter(pl.col("email").str.contains(" at |@@|@$")).height
    assert malformed == result.dirt["contacts"]["malformed_email"] > 0


def test_generator_without_dirt_writes_clean_data(tmp_path: Path) -> None:
    result = generate(replace(CONFIG, dirty_rate=0.0), tmp_path)
    assert all(count == 0 for kinds in result.dirt.values() for count in kinds.values())
    contacts = read(tmp_path, "contacts")
    assert contacts["contact_id"].n_unique() == contacts.height == 600


def test_generator_leaves_a_folder_of_real_exports_alone(tmp_path: Path) -> None:
    """Why: pointed at real exports, `make run` deleted them and wrote synthetic data."""
    export = tmp_path / "contacts" / "crm-export-2026-11-25.parquet"
    export.parent.mkdir()
    export.write_bytes(b"a real export")
    with pytest.raises(LandingNotOurs, match=r"crm-export-2026-11-25\.parquet.*make daily"):
        generate(CONFIG, tmp_path)
    assert export.read_bytes() == b"a real export"
    assert not (tmp_path / "tenants").exists()  # nothing written beside it


def test_generator_replaces_only_what_it_wrote(tmp_path: Path) -> None:
    generate(CONFIG, tmp_path)
    generate(replace(CONFIG, seed=12), tmp_path)  # its own folder: written again
    (tmp_path / "orders" / "crm-export.parquet").write_bytes(b"dropped in later")
    with pytest.raises(LandingNotOurs):
        generate(CONFIG, tmp_path)
    assert (tmp_path / "orders" / "part-0.parquet").exists()  # nothing removed either


def test_generator_writes_files_with_page_checksums(landing: Path) -> None:
    path = landing / "orders" / "part-0.parquet"
    data = bytearray(path.read_bytes())
    chunk = pq.ParquetFile(path).metadata.row_group(0).column(0)
    data[chunk.data_page_offset + chunk.total_compressed_size - 4] ^= 0xFF
    with pytest.raises(OSError, match="CRC checksum verification failed"):
        pq.read_table(pa.BufferReader(bytes(data)), page_checksum_verification=True)


# -- streaming: tenant by tenant, chunk by chunk ----------------------------------------

CHUNKS_PER_TENANT = 3


def generate_chunked(config: GeneratorConfig, landing: Path):
    """Generate with chunks of 100 contacts: three per tenant of CONFIG."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(generator, "CHUNK_CONTACTS", config.contacts_per_tenant // CHUNKS_PER_TENANT)
        return generate(config, landing)


@pytest.fixture(scope="module")
def chunked(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("chunked")
    return path, generate_chunked(CONFIG, path)


@pytest.fixture(scope="module")
def chunked_clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("chunked_clean")
    generate_chunked(replace(CONFIG, dirty_rate=0.0), path)
    return path


def row_groups(landing: Path, entity: str) -> int:
    return pq.ParquetFile(landing / entity / "part-0.parquet").metadata.num_row_groups


def test_generator_writes_a_row_group_per_chunk(chunked, chunked_clean: Path) -> None:
    """Why: generating 1M contacts at once took 7.5 GiB; one chunk at a time is bounded."""
    landing, _ = chunked
    chunks = CONFIG.tenants * CHUNKS_PER_TENANT
    for entity in ("contacts", "custom_field_values", "conversations", "orders"):
        assert row_groups(landing, entity) == chunks, entity
    assert row_groups(landing, "tenants") == CONFIG.tenants
    contacts = read(chunked_clean, "contacts")
    per_tenant = contacts.group_by("cid").agg(pl.len(), pl.col("contact_id").n_unique())
    assert per_tenant["len"].to_list() == per_tenant["contact_id"].to_list()
    assert per_tenant["len"].to_list() == [CONFIG.contacts_per_tenant] * CONFIG.tenants


def test_generator_chunks_give_every_tenant_its_contacts_and_the_logged_dirt(chunked) -> None:
    landing, result = chunked
    contacts, dirt = read(landing, "contacts"), result.dirt["contacts"]
    tenants = set(read(landing, "tenants")["cid"])
    total = CONFIG.tenants * CONFIG.contacts_per_tenant
    assert contacts["contact_id"].n_unique() == total
    assert contacts.height == total + dirt["duplicate_key"]
    assert (~contacts["cid"].is_in(tenants)).sum() == dirt["unknown_tenant"] > 0
    per_tenant = contacts.filter(pl.col("cid").is_in(tenants)).group_by("cid").n_unique()
    assert per_tenant["contact_id"].sum() + dirt["unknown_tenant"] == total
    assert per_tenant["contact_id"].max() <= CONFIG.contacts_per_tenant


def test_generator_chunks_keep_activity_with_its_tenant(chunked_clean: Path) -> None:
    """Every chunk's activity names its own tenant's contacts, campaigns, companies, fields."""
    references = {
        "contacts": ["conversations", "campaign_recipients", "contact_companies", "deals",
                     "tickets", "orders", "loyalty_members", "custom_field_values"],
        "campaigns": ["campaign_recipients"],
        "companies": ["contact_companies"],
        "custom_field_definitions": ["custom_field_values"],
    }  # fmt: skip
    keys = {"contacts": "contact_id", "campaigns": "campaign_id", "companies": "company_id",
            "custom_field_definitions": "field_id"}  # fmt: skip
    for parent, children in references.items():
        known = read(chunked_clean, parent).select("cid", keys[parent])
        for child in children:
            rows = read(chunked_clean, child)
            assert rows.height > 0, child
            strays = rows.join(known, on=["cid", keys[parent]], how="anti")
            assert strays.height == 0, (child, parent)


def test_generator_chunks_draw_rows_of_their_own(chunked_clean: Path) -> None:
    """Each chunk has its own random streams: no chunk repeats another's ids."""
    keys = {"contacts": "contact_id", "conversations": "conversation_id", "deals": "deal_id",
            "tickets": "ticket_id", "orders": "order_id"}  # fmt: skip
    for entity, key in keys.items():
        rows = read(chunked_clean, entity)
        assert rows[key].n_unique() == rows.height, entity


def test_generator_chunked_activity_dirt_is_as_logged(chunked) -> None:
    landing, result = chunked
    tenants = read(landing, "tenants")["cid"]
    contact_ids = read(landing, "contacts")["contact_id"]
    for entity in ("conversations", "campaign_recipients", "deals", "orders", "loyalty_members"):
        rows, dirt = read(landing, entity), result.dirt[entity]
        assert (~rows["cid"].is_in(tenants)).sum() == dirt["unknown_tenant"], entity
        assert (~rows["contact_id"].is_in(contact_ids)).sum() == dirt["unknown_contact"], entity
    assert result.dirt["conversations"]["unknown_tenant"] > 0


def test_generator_chunked_row_counts_are_as_logged(chunked) -> None:
    landing, result = chunked
    manifest = json.loads((landing / MANIFEST).read_text())
    assert manifest["rows"] == result.rows
    assert manifest["files"] == [f"{e.name}/part-0.parquet" for e in ENTITIES]
    for entity in ENTITIES:
        metadata = pq.ParquetFile(landing / entity.name / "part-0.parquet").metadata
        assert metadata.num_rows == result.rows[entity.name] == read(landing, entity.name).height


def test_generator_chunked_output_is_identical_byte_for_byte(chunked, tmp_path: Path) -> None:
    landing, _ = chunked
    generate_chunked(CONFIG, tmp_path)
    for name in json.loads((landing / MANIFEST).read_text())["files"] + [MANIFEST]:
        assert (landing / name).read_bytes() == (tmp_path / name).read_bytes(), name


def test_generator_writes_a_file_for_an_entity_without_rows(tmp_path: Path) -> None:
    result = generate(replace(CONFIG, deals_per_contact=0.0), tmp_path)
    assert result.rows["deals"] == 0
    assert read(tmp_path, "deals").columns == list(sources.entity("deals").columns)


def test_generator_removes_its_unfinished_files_when_it_fails(tmp_path: Path, monkeypatch) -> None:
    """Why: half-written files without a manifest would be refused as not ours next time."""

    def broken(chunk, rng):
        raise RuntimeError("disk full")

    builders = [(e, broken if e == "orders" else b) for e, b in generator._CHUNK_ENTITIES]
    monkeypatch.setattr(generator, "_CHUNK_ENTITIES", builders)
    with pytest.raises(RuntimeError, match="disk full"):
        generate(CONFIG, tmp_path)
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]
    monkeypatch.undo()
    generate(CONFIG, tmp_path)  # the folder is still ours


# -- the generate command ---------------------------------------------------------------


def test_cli_generate_has_a_flag_for_every_setting(tmp_path: Path) -> None:
    """Why: the benchmark's data (10 conversations a contact...) could not be reproduced."""
    settings = {
        "--seed": "7", "--tenants": "2", "--contacts-per-tenant": "30", "--history-days": "90",
        "--dirty-rate": "0.02", "--conversations-per-contact": "2.5",
        "--campaigns-per-contact": "3", "--orders-per-buyer": "1.5",
        "--deals-per-contact": "0.5", "--tickets-per-contact": "0", "--end-date": "2026-11-24",
    }  # fmt: skip
    assert {f"--{f.name.replace('_', '-')}" for f in dataclasses.fields(GeneratorConfig)} == set(
        settings
    )
    assert main(["generate", "--landing", str(tmp_path), *sum(settings.items(), ())]) == 0
    written = json.loads((tmp_path / MANIFEST).read_text())["config"]
    assert written == {
        "end_date": "2026-11-24", "seed": 7, "tenants": 2, "contacts_per_tenant": 30,
        "history_days": 90, "dirty_rate": 0.02, "conversations_per_contact": 2.5,
        "campaigns_per_contact": 3.0, "orders_per_buyer": 1.5, "deals_per_contact": 0.5,
        "tickets_per_contact": 0.0,
    }  # fmt: skip


def test_cli_generate_defaults_are_the_configs(tmp_path: Path) -> None:
    main(["generate", "--landing", str(tmp_path), "--contacts-per-tenant", "20",
          "--end-date", "2026-11-24"])  # fmt: skip
    written = json.loads((tmp_path / MANIFEST).read_text())["config"]
    defaults = GeneratorConfig(end_date=date(2026, 11, 24), contacts_per_tenant=20)
    assert written == {**vars(defaults), "end_date": "2026-11-24"}


@pytest.mark.parametrize(
    ("flag", "value"),
    [("--conversations-per-contact", "-1"), ("--tickets-per-contact", "nan"),
     ("--orders-per-buyer", "0.5"), ("--history-days", "0"), ("--tenants", "0"),
     ("--deals-per-contact", "many")],
)  # fmt: skip
def test_cli_generate_rejects_bad_counts(flag: str, value: str, tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["generate", "--landing", str(tmp_path), flag, value])
    assert stop.value.code == 2
    assert f"argument {flag}:" in capsys.readouterr().err
    assert not tmp_path.joinpath(MANIFEST).exists()
