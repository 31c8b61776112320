"""Writes to the segment store, as the API makes them.

A write builds the whole segment, checks it with the pipeline's own validation
(:func:`segmentation.daily.store.read_segment`), and replaces the file by a rename, so a
reader (the daily run, the sensor) sees the old file or the new one, never half of one.
Writes of one tenant hold that tenant's lock (an advisory lock on a file, which also
serializes threads), so the segment limit cannot be passed by two creates at once and
an edit checks its ETag against the file it replaces.

Every version a write produces is kept under ``<cid>/.versions/<segment id>/``, where
the pipeline does not look (it reads ``<cid>/*.json``).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from segmentation.daily.store import (
    StoreContext,
    StoredSegment,
    read_segment,
    rule_set_hash,
    segment_directory,
    with_directory,
)
from segmentation.rules.bound import BoundRuleSet
from segmentation.rules.model import Segment, SegmentStatus
from segmentation.rules.validate import strict
from serving.errors import ApiError, issue_details

VERSIONS = ".versions"
LOCK = ".lock"


@dataclass(frozen=True)
class SegmentFile:
    """A valid stored segment, its rule set as validation bound it, and the ETag of its
    file's bytes."""

    segment: Segment
    rule_set: BoundRuleSet
    path: Path
    etag: str


def etag_of(content: bytes) -> str:
    """The ETag of a file's bytes (a quoted strong validator)."""
    return '"' + hashlib.sha256(content).hexdigest()[:20] + '"'


class SegmentStoreWriter:
    """The segments of each tenant under ``root``: read, created, edited, archived."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._read: dict[Path, tuple[tuple, SegmentFile | None]] = {}
        """Each file as last read, by its path, keyed by its stat and the context."""

    def segments(self, cid: str, context: StoreContext) -> list[SegmentFile]:
        """Every valid segment of the tenant (a hand-edited invalid file is left out)."""
        folder = self.root / cid
        files = sorted(folder.glob("*.json")) if folder.is_dir() else []
        context = with_directory(context, self.root)
        found = [self._segment_file(path, context) for path in files]
        return [item for item in found if item is not None and item.segment.cid == cid]

    def _segment_file(self, path: Path, context: StoreContext) -> SegmentFile | None:
        """The file read and validated, again only when it or the context changed."""
        try:
            stat = path.stat()
        except FileNotFoundError:
            return None
        # The directory of segments is read afresh for every listing: keyed by its content.
        directory = tuple(sorted((context.segments or {}).items()))
        key = (stat.st_mtime_ns, stat.st_size, stat.st_ino, id(context.custom_fields), directory)
        cached = self._read.get(path)
        if cached is not None and cached[0] == key:
            return cached[1]
        content = path.read_bytes()
        stored = read_segment(path, context)
        item = None
        if stored.valid and stored.segment is not None:
            item = SegmentFile(stored.segment, stored.rule_set, path, etag_of(content))
        self._read[path] = (key, item)
        return item

    def get(self, cid: str, segment_id: str, context: StoreContext) -> SegmentFile:
        """The tenant's segment ``segment_id``; 404 when the tenant has none by that id."""
        for item in self.segments(cid, context):
            if item.segment.id == segment_id:
                return item
        raise ApiError(404, "segment_not_found", f"no segment {segment_id!r} in this tenant")

    def create(
        self, data: dict, context: StoreContext, limit: int, limit_message: str
    ) -> SegmentFile:
        """Store a new segment (``data`` holds every field but id and timestamps); 409 when
        the tenant already has ``limit`` active segments."""
        cid = data["cid"]
        with self.tenant_lock(cid):
            active = [s for s in self.segments(cid, context) if s.segment.status == "active"]
            if len(active) >= limit:
                raise ApiError(409, "segment_limit_reached", limit_message)
            now = _now()
            segment_id = str(uuid.uuid4())
            full = {"id": segment_id, **data, "created_at": now, "updated_at": now}
            return self._write(self.root / cid / f"{segment_id}.json", full, context)

    def update(
        self,
        cid: str,
        segment_id: str,
        if_match: str | None,
        change: Callable[[dict], dict],
        context: StoreContext,
    ) -> SegmentFile:
        """Apply ``change`` to the stored segment's JSON and store the result.

        ``if_match``: the ETag the caller last read; a different one is 412 (someone
        else changed the segment since), None skips the check.
        """
        with self.tenant_lock(cid):
            current = self.get(cid, segment_id, context)
            if if_match is not None and if_match != current.etag:
                raise ApiError(
                    412,
                    "stale_version",
                    "the segment changed since you loaded it: reload it and apply your edit "
                    f"again (your version {if_match}, current {current.etag})",
                )
            data = json.loads(current.path.read_bytes())
            changed = {**change(data), "updated_at": _now()}
            return self._write(current.path, changed, context)

    def versions(self, cid: str, segment_id: str) -> list[dict]:
        """Every version the API wrote of the segment, oldest first."""
        folder = self.root / cid / VERSIONS / segment_id
        found = []
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            content = path.read_bytes()
            data = json.loads(content)
            found.append(
                {
                    "version": int(path.stem),
                    "etag": etag_of(content),
                    "updated_at": data.get("updated_at"),
                    "name": data.get("name"),
                    "status": data.get("status"),
                    "rule_set": data.get("rule_set"),
                    "rule_set_version": rule_set_hash(strict(Segment, data)),
                }
            )
        return found

    def version(self, cid: str, segment_id: str, number: int) -> Segment | None:
        """Version ``number`` of the segment as it was stored; None when there is none."""
        path = self.root / cid / VERSIONS / segment_id / f"{number:06d}.json"
        return strict(Segment, json.loads(path.read_bytes())) if path.is_file() else None

    @contextmanager
    def tenant_lock(self, cid: str) -> Iterator[None]:
        """Hold the tenant's write lock (across processes and threads)."""
        folder = self.root / cid
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / LOCK, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _write(self, path: Path, data: dict, context: StoreContext) -> SegmentFile:
        content = (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode()
        staged = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        staged.write_bytes(content)
        try:
            # Checked against the store as it is now (the tenant's lock is held).
            context = replace(context, segments=segment_directory(self.root))
            checked = read_segment(staged, context, placed=False)
            if not checked.valid or checked.segment is None:
                raise _invalid(checked)
            with open(staged, "rb") as handle:
                os.fsync(handle.fileno())
            os.replace(staged, path)
        finally:
            staged.unlink(missing_ok=True)
        self._keep_version(path, content)
        return SegmentFile(checked.segment, checked.rule_set, path, etag_of(content))

    def _keep_version(self, path: Path, content: bytes) -> None:
        data = json.loads(content)
        folder = path.parent / VERSIONS / data["id"]
        folder.mkdir(parents=True, exist_ok=True)
        number = 1 + max((int(p.stem) for p in folder.glob("*.json")), default=0)
        (folder / f"{number:06d}.json").write_bytes(content)


def _invalid(checked: StoredSegment) -> ApiError:
    count = len(checked.issues)
    return ApiError(
        422,
        "invalid_segment",
        f"the segment has {count} problem{'s' * (count != 1)}: see details for each, with "
        "its JSON pointer",
        issue_details(checked.issues),
    )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def archived(data: dict) -> dict:
    """The segment's JSON with status archived."""
    return {**data, "status": SegmentStatus.ARCHIVED.value}
