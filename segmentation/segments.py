"""The segment store: one JSON file per segment under ``segment_defs/<cid>/``.

Reading a file never raises on bad content: a segment either loads, or comes back with
every problem (its structure, its folder, and each issue of its rule set).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
from pydantic import ValidationError

from segmentation.model import Segment
from segmentation.stats import DAILY_STATS
from segmentation.stats import ensure_tables as ensure_stats_tables
from segmentation.validate import CustomField, Issue, Limits, check


@dataclass(frozen=True)
class StoredSegment:
    """A segment file: the segment when it is valid, else the problems found."""

    path: Path
    segment: Segment | None
    issues: tuple[Issue, ...]

    @property
    def valid(self) -> bool:
        """Whether the segment can be computed."""
        return self.segment is not None and not self.issues


def segment_files(root: Path) -> list[Path]:
    """Every segment file under ``root`` (``<cid>/<name>.json``), in a stable order."""
    return sorted(p for p in Path(root).glob("*/*.json") if p.is_file())


def read_segment(
    path: Path,
    custom_fields: Mapping[str, CustomField] | None = None,
    limits: Limits | None = None,
) -> StoredSegment:
    """Load and validate one segment file."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError) as error:
        return StoredSegment(path, None, (Issue("invalid_json", "", str(error)),))
    if not isinstance(data, dict):
        return StoredSegment(path, None, (Issue("invalid_structure", "", "not a JSON object"),))
    issues = list(_segment_issues(data, path))
    cid = data.get("cid") if isinstance(data.get("cid"), str) else ""
    issues += [
        Issue(i.code, "/rule_set" + i.pointer, i.message)
        for i in check(data.get("rule_set"), cid, custom_fields, limits)
    ]
    if issues:
        return StoredSegment(path, None, tuple(issues))
    return StoredSegment(path, Segment.model_validate(data), ())


def _segment_issues(data: dict, path: Path) -> list[Issue]:
    shell = {k: v for k, v in data.items() if k != "rule_set"}
    issues = []
    try:
        Segment.model_validate({**shell, "rule_set": {"groups": []}})
    except ValidationError as error:
        for e in error.errors():
            pointer = "".join(f"/{p}" for p in e["loc"])
            issues.append(Issue("invalid_segment", pointer, e["msg"]))
    if data.get("cid") != Path(path).parent.name:
        issues.append(
            Issue(
                "wrong_folder",
                "/cid",
                f"a segment of tenant {data.get('cid')!r} must live in segment_defs/"
                f"{data.get('cid')}/, not in {Path(path).parent.name}/",
            )
        )
    return issues


def read_store(
    root: Path,
    custom_fields: Mapping[str, CustomField] | None = None,
    limits: Limits | None = None,
) -> list[StoredSegment]:
    """Every segment of the store, valid or not."""
    return [read_segment(p, custom_fields, limits) for p in segment_files(root)]


DEFINITIONS = "segments.segment_definitions"
OVERVIEW = "segments.segment_overview"
"""The detail page's Overview: the latest stats; no reachability for archived segments."""


def rule_set_hash(segment: Segment) -> str:
    """A short hash of the rule set: a change of rules changes it, a rename does not."""
    text = json.dumps(segment.rule_set.model_dump(mode="json"), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def record_store(con: duckdb.DuckDBPyConnection, stored: list[StoredSegment]) -> None:
    """Replace ``segments.segment_definitions`` with the store: every file, valid or not."""
    rows = []
    for item in stored:
        segment = item.segment
        rows.append(
            {
                "path": str(item.path.relative_to(item.path.parents[1])),
                "segment_id": segment.id if segment else None,
                "cid": segment.cid if segment else item.path.parent.name,
                "name": segment.name if segment else None,
                "description": segment.description if segment else None,
                "status": segment.status.value if segment else None,
                "owner_id": segment.owner_id if segment else None,
                "created_at": segment.created_at if segment else None,
                "updated_at": segment.updated_at if segment else None,
                "rule_set": segment.rule_set.model_dump_json() if segment else None,
                "rule_set_hash": rule_set_hash(segment) if segment else None,
                "is_valid": item.valid,
                "issues": json.dumps([vars(i) for i in item.issues]),
            }
        )
    frame = pa.Table.from_pylist(rows, schema=_DEFINITIONS_SCHEMA)  # noqa: F841
    con.execute("CREATE SCHEMA IF NOT EXISTS segments")
    con.execute(f"CREATE OR REPLACE TABLE {DEFINITIONS} AS SELECT * FROM frame")
    ensure_stats_tables(con)
    con.execute(
        f"""
        CREATE OR REPLACE VIEW {OVERVIEW} AS
        SELECT d.segment_id, d.cid, d.name, d.description, d.status, d.owner_id,
               d.rule_set, s.day AS last_computed_on, s.total_matched,
               s.total_customer_base, s.percentage_reach, s.computed_at AS last_updated,
               CASE WHEN d.status = 'active' THEN s.reachable_whatsapp END AS reachable_whatsapp,
               CASE WHEN d.status = 'active' THEN s.reachable_whatsapp_pct END
                   AS reachable_whatsapp_pct,
               CASE WHEN d.status = 'active' THEN s.reachable_email END AS reachable_email,
               CASE WHEN d.status = 'active' THEN s.reachable_email_pct END
                   AS reachable_email_pct
        FROM {DEFINITIONS} d
        LEFT JOIN {DAILY_STATS} s ON s.segment_id = d.segment_id AND s.day = (
            SELECT max(day) FROM {DAILY_STATS} x WHERE x.segment_id = d.segment_id)
        WHERE d.is_valid
        """
    )


_DEFINITIONS_SCHEMA = pa.schema(
    [
        ("path", pa.string()), ("segment_id", pa.string()), ("cid", pa.string()),
        ("name", pa.string()), ("description", pa.string()), ("status", pa.string()),
        ("owner_id", pa.string()), ("created_at", pa.timestamp("us", tz="UTC")),
        ("updated_at", pa.timestamp("us", tz="UTC")), ("rule_set", pa.string()),
        ("rule_set_hash", pa.string()), ("is_valid", pa.bool_()), ("issues", pa.string()),
    ]
)  # fmt: skip
