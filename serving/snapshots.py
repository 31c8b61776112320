"""The API's view of the published snapshot: it follows the pointer as it moves.

Each request asks for a cursor; when the pointer names a new file, the reader opens it
read-only and later requests use it, while requests already running finish on the old
one (kept open until the next switch, and kept on disk by the publisher until then).
"""

from __future__ import annotations

import threading
from pathlib import Path

import duckdb

from segmentation import snapshot
from serving.errors import ApiError


class SnapshotReader:
    """Read-only cursors on the live snapshot of ``directory``."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self._lock = threading.Lock()
        self._live: tuple[snapshot.Snapshot, duckdb.DuckDBPyConnection] | None = None
        self._retired: duckdb.DuckDBPyConnection | None = None

    def live(self) -> tuple[snapshot.Snapshot, duckdb.DuckDBPyConnection]:
        """The live snapshot and a new cursor on it (close it when done)."""
        published = snapshot.current(self.directory)
        if published is None:
            raise ApiError(
                503,
                "no_snapshot",
                "no data has been published yet: run the daily job (make run) and try again",
                headers={"Retry-After": "60"},
            )
        with self._lock:
            if self._live is None or self._live[0].path != published.path:
                self._switch(published)
            current, con = self._live
            return current, con.cursor()

    def _switch(self, published: snapshot.Snapshot) -> None:
        con = duckdb.connect(str(published.path), read_only=True)
        if self._retired is not None:
            self._retired.close()
        self._retired = self._live[1] if self._live else None
        self._live = (published, con)

    def close(self) -> None:
        """Close every connection (the app's shutdown)."""
        with self._lock:
            for con in (self._retired, self._live[1] if self._live else None):
                if con is not None:
                    con.close()
            self._live = self._retired = None
