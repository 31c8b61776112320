"""The synthetic CRM generator: deterministic, realistic, dirty on purpose."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from segmentation.landing.sources import ENTITIES, PHONE_PATTERN
from segmentation.rules.catalog import FieldType
from tools.synthetic.generator import GeneratorConfig, LandingNotOurs, generate

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
