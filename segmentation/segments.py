"""The segment store: one JSON file per segment under ``segment_defs/<cid>/``.

Reading a file never raises on bad content: a segment either loads, or comes back with
every problem (its structure, its folder, and each issue of its rule set).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from segmentation.model import Segment
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
