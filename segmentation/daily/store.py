"""The segment store: one JSON file per segment under ``segment_defs/<cid>/``.

:func:`read_store` is the one validation of stored segments: the pipeline, the CLI and
the API call it. Reading never raises on bad content: every file comes back either as a
segment or with every problem found in it, including problems only the whole store
shows (two files claiming one segment id).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa
from pydantic import ValidationError

from segmentation.daily.stats import DAILY_STATS
from segmentation.daily.stats import ensure_tables as ensure_stats_tables
from segmentation.limits import Limits
from segmentation.rules.bound import BoundRuleSet
from segmentation.rules.catalog import CustomField
from segmentation.rules.model import Segment, SegmentStatus
from segmentation.rules.references import SegmentRef, segments_named
from segmentation.rules.validate import Issue, strict, validate
from segmentation.text import fold


@dataclass(frozen=True)
class StoreContext:
    """What a segment file is checked against besides itself."""

    custom_fields: Mapping[str, CustomField] = field(default_factory=dict)
    """Every tenant's custom fields by id."""
    tenants: frozenset[str] | None = None
    """The tenants the warehouse knows; None before any load (then not checked)."""
    limits: Limits = field(default_factory=Limits)
    now: datetime | None = None
    """A segment created or updated after this instant is refused; None: not checked."""
    segments: Mapping[str, SegmentRef] | None = None
    """The store's segments by id, which segment conditions may name; None: read them
    from the store the file is in."""


@dataclass(frozen=True)
class StoredSegment:
    """A segment file: the segment when it is valid, else the problems found."""

    path: Path
    segment: Segment | None
    issues: tuple[Issue, ...]
    warnings: tuple[Issue, ...] = ()
    """Problems that do not stop the segment from being computed (a duplicate name)."""
    declared: Mapping[str, object] = field(default_factory=dict)
    """The file's own id, cid and name, even when it is invalid."""
    rule_set: BoundRuleSet | None = None
    """The segment's rule set, bound (resolved and parsed) when it is valid."""

    @property
    def valid(self) -> bool:
        """Whether the segment can be computed."""
        return self.segment is not None and not self.issues

    @property
    def segment_id(self) -> str | None:
        """The id the file declares (a string), valid or not."""
        value = self.declared.get("id")
        return value if isinstance(value, str) else None


def segment_files(root: Path) -> list[Path]:
    """Every segment file under ``root`` (``<cid>/<name>.json``), in a stable order."""
    return sorted(p for p in Path(root).glob("*/*.json") if p.is_file())


def read_store(root: Path, context: StoreContext | None = None) -> list[StoredSegment]:
    """Every segment of the store, each valid or with all its problems."""
    context = with_directory(context or StoreContext(), root)
    return _with_store_issues([read_segment(p, context) for p in segment_files(root)])


def segment_directory(root: Path) -> dict[str, SegmentRef]:
    """Every segment file of the store at ``root`` that names an id, a tenant and a name,
    valid or not: what segment conditions are checked against (the first file wins an id
    claimed twice, which is itself an error)."""
    directory: dict[str, SegmentRef] = {}
    for path in segment_files(root):
        try:
            data = json.loads(path.read_bytes())
        except (OSError, ValueError):
            continue
        for segment_id, ref in _entry(data).items():
            directory.setdefault(segment_id, ref)
    return directory


def _entry(data: object) -> dict[str, SegmentRef]:
    """A segment file's entry in the directory (none without an id, tenant and name)."""
    if not isinstance(data, dict):
        return {}
    segment_id, cid, name, status = (data.get(k) for k in ("id", "cid", "name", "status"))
    if not all(isinstance(v, str) for v in (segment_id, cid, name)):
        return {}
    status = status if isinstance(status, str) else SegmentStatus.ACTIVE.value
    return {segment_id: SegmentRef(cid, name, status, segments_named(data.get("rule_set")))}


def with_directory(context: StoreContext, root: Path) -> StoreContext:
    """``context`` holding the segments of the store at ``root`` (when it holds none)."""
    if context.segments is not None:
        return context
    return replace(context, segments=segment_directory(root))


def validate_files(
    paths: list[Path], root: Path, context: StoreContext | None = None
) -> list[StoredSegment]:
    """``paths`` checked as members of the store at ``root``: a file of the store as
    :func:`read_store` reads it, a file elsewhere as if it were added to the store (so a
    new file claiming an existing segment's id is caught before it is dropped in)."""
    context = with_directory(context or StoreContext(), root)
    store = {p.resolve(): read_segment(p, context) for p in segment_files(root)}
    added = [read_segment(p, context, placed=False) for p in paths if p.resolve() not in store]
    checked = _with_store_issues([*store.values(), *added])
    wanted = {p.resolve() for p in paths}
    return [item for item in checked if item.path.resolve() in wanted]


def read_segment(
    path: Path, context: StoreContext | None = None, placed: bool = True
) -> StoredSegment:
    """Load and validate one segment file on its own (see :func:`read_store`).

    ``placed``: the file is in a store, so its folder must be its tenant's.
    """
    context = context or StoreContext()
    path = Path(path)
    limit = context.limits.max_file_bytes
    try:
        size = path.stat().st_size
        if size > limit:
            message = f"the file has {size:,} bytes; a segment file has at most {limit:,}"
            return _invalid(path, "file_too_large", "", message)
        data = json.loads(path.read_bytes())
    except OSError as error:
        return _invalid(path, "unreadable_file", "", f"cannot read the file: {error.strerror}")
    except ValueError as error:
        return _invalid(path, "invalid_json", "", f"not valid JSON: {error}")
    if not isinstance(data, dict):
        return _invalid(path, "invalid_structure", "", "a segment file holds a JSON object")
    declared = {k: data.get(k) for k in ("id", "cid", "name")}
    cid = data.get("cid") if isinstance(data.get("cid"), str) else ""
    issues = _segment_issues(data, path if placed else None, context)
    segments = {**with_directory(context, path.parent.parent).segments, **_entry(data)}
    segment_id = data.get("id") if isinstance(data.get("id"), str) else None
    bound, problems = validate(
        data.get("rule_set"), cid, context.custom_fields, context.limits,
        segments=segments, segment_id=segment_id,
    )  # fmt: skip
    issues += [Issue(i.code, "/rule_set" + i.pointer, i.message) for i in problems]
    if issues:
        return StoredSegment(path, None, tuple(issues), declared=declared)
    return StoredSegment(path, strict(Segment, data), (), declared=declared, rule_set=bound)


def _invalid(path: Path, code: str, pointer: str, message: str) -> StoredSegment:
    return StoredSegment(path, None, (Issue(code, pointer, message),))


def _segment_issues(data: dict, path: Path | None, context: StoreContext) -> list[Issue]:
    shell = {k: v for k, v in data.items() if k != "rule_set"}
    issues = []
    try:
        segment = strict(Segment, {**shell, "rule_set": {"groups": []}})
    except ValidationError as error:
        segment = None
        for e in error.errors():
            pointer = "".join(f"/{p}" for p in e["loc"])
            issues.append(Issue("invalid_segment", pointer, e["msg"]))
    cid = data.get("cid")
    if path is not None and cid != path.parent.name:
        issues.append(
            Issue(
                "wrong_folder",
                "/cid",
                f"a segment of tenant {cid!r} must live in segment_defs/{cid}/, not in "
                f"{path.parent.name}/",
            )
        )
    if context.tenants is not None and isinstance(cid, str) and cid not in context.tenants:
        issues.append(
            Issue("unknown_tenant", "/cid", f"no tenant {cid!r} in the warehouse's tenants")
        )
    if segment is not None:
        issues += _time_issues(segment, context.now)
    return issues


def _time_issues(segment: Segment, now: datetime | None) -> list[Issue]:
    issues = []
    if segment.updated_at < segment.created_at:
        issues.append(
            Issue("updated_before_created", "/updated_at", "updated_at is before created_at")
        )
    for name in ("created_at", "updated_at"):
        moment = getattr(segment, name)
        if now is not None and moment > now:
            issues.append(
                Issue(
                    "timestamp_in_future",
                    f"/{name}",
                    f"{name} {moment.isoformat()} is in the future (now: {now.isoformat()}); "
                    "a segment would never be computed before then",
                )
            )
    return issues


def _with_store_issues(stored: list[StoredSegment]) -> list[StoredSegment]:
    """Problems between files: a segment id claimed twice, a name used twice in a tenant."""
    by_id: dict[str, list[StoredSegment]] = defaultdict(list)
    by_name: dict[tuple[object, str], list[StoredSegment]] = defaultdict(list)
    for item in stored:
        if item.segment_id is not None:
            by_id[item.segment_id].append(item)
        name = item.declared.get("name")
        if isinstance(name, str):
            by_name[(item.declared.get("cid"), fold(name))].append(item)
    issues: dict[Path, list[Issue]] = defaultdict(list)
    warnings: dict[Path, list[Issue]] = defaultdict(list)
    for segment_id, claims in by_id.items():
        for item in claims if len(claims) > 1 else ():
            others = ", ".join(_relative(o.path) for o in claims if o is not item)
            issues[item.path].append(
                Issue(
                    "duplicate_segment_id",
                    "/id",
                    f"segment id {segment_id} is also claimed by {others}; ids are unique in "
                    "the store: give the new segment its own id",
                )
            )
    for (_cid, _name), claims in by_name.items():
        for item in claims if len(claims) > 1 else ():
            others = ", ".join(_relative(o.path) for o in claims if o is not item)
            warnings[item.path].append(
                Issue(
                    "duplicate_segment_name",
                    "/name",
                    f"the tenant has another segment named {item.declared['name']!r} "
                    f"({others}); rename one so the list tells them apart",
                )
            )
    return [_amended(item, issues[item.path], warnings[item.path]) for item in stored]


def _amended(item: StoredSegment, issues: list[Issue], warnings: list[Issue]) -> StoredSegment:
    if not issues and not warnings:
        return item
    all_issues = (*item.issues, *issues)
    valid = not all_issues
    return StoredSegment(
        item.path,
        item.segment if valid else None,
        all_issues,
        (*item.warnings, *warnings),
        item.declared,
        item.rule_set if valid else None,
    )


def _relative(path: Path) -> str:
    return str(Path(path.parent.name) / path.name)


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
        declared = {k: v if isinstance(v, str) else None for k, v in item.declared.items()}
        rows.append(
            {
                "path": _relative(item.path),
                "segment_id": declared.get("id"),
                "cid": declared.get("cid") or item.path.parent.name,
                "name": declared.get("name"),
                "description": segment.description if segment else None,
                "status": segment.status.value if segment else None,
                "owner_id": segment.owner_id if segment else None,
                "created_at": segment.created_at if segment else None,
                "updated_at": segment.updated_at if segment else None,
                "rule_set": _as_written(segment),
                "rule_set_hash": rule_set_hash(segment) if segment else None,
                "is_valid": item.valid,
                "issues": json.dumps([vars(i) for i in item.issues]),
                "warnings": json.dumps([vars(i) for i in item.warnings]),
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


def _as_written(segment: Segment | None) -> str | None:
    """The segment's rule set as its file wrote it: a default the writer left out stays
    out (the model's full dump would add a count to an aggregate condition, which
    validation refuses when the rule set is read back)."""
    return segment.rule_set.model_dump_json(exclude_unset=True) if segment else None


_DEFINITIONS_SCHEMA = pa.schema(
    [
        ("path", pa.string()), ("segment_id", pa.string()), ("cid", pa.string()),
        ("name", pa.string()), ("description", pa.string()), ("status", pa.string()),
        ("owner_id", pa.string()), ("created_at", pa.timestamp("us", tz="UTC")),
        ("updated_at", pa.timestamp("us", tz="UTC")), ("rule_set", pa.string()),
        ("rule_set_hash", pa.string()), ("is_valid", pa.bool_()), ("issues", pa.string()),
        ("warnings", pa.string()),
    ]
)  # fmt: skip
