"""Resident memory of a process and everything it starts (dbt runs as a subprocess),
sampled from /proc while it runs: the peak of any time window can be asked afterwards."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")
GIB = 1024**3


def _children() -> dict[int, list[int]]:
    """Parent pid -> child pids, over every process now running."""
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue  # ended meanwhile
        tree.setdefault(int(fields[1]), []).append(int(entry.name))
    return tree


def _rss(pid: int) -> int:
    try:
        return int((Path("/proc") / str(pid) / "statm").read_text().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def _tree(root: int) -> list[int]:
    """``root`` and all its descendants."""
    tree, pids, pending = _children(), [], [root]
    while pending:
        pid = pending.pop()
        pids.append(pid)
        pending.extend(tree.get(pid, ()))
    return pids


def _command(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "comm").read_text().strip()
    except OSError:
        return ""


def tree_rss(root: int) -> int:
    """Bytes resident in ``root`` and all its descendants."""
    return sum(_rss(pid) for pid in _tree(root))


class Sampler:
    """Samples the resident memory of a process tree every ``interval`` seconds, in a
    thread, from :meth:`start` until :meth:`stop`."""

    def __init__(self, root: int, interval: float = 0.2) -> None:
        self.root, self.interval = root, interval
        self.samples: list[tuple[float, int]] = []
        self.commands: dict[int, str] = {}
        """The command name of every process seen in the tree, by pid."""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> Sampler:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            pids = _tree(self.root)
            self.samples.append((time.time(), sum(_rss(pid) for pid in pids)))
            for pid in pids:
                # A child is named after its parent until it execs (a JVM starts as a
                # shell script): read the name again until it is a JVM's.
                if self.commands.get(pid) != "java":
                    self.commands[pid] = _command(pid) or self.commands.get(pid, "")
            self._stop.wait(self.interval)

    def started(self, command: str) -> int:
        """How many processes named ``command`` (``java``) ran in the tree."""
        return sum(name == command for name in self.commands.values())

    def peak(self, start: float = 0.0, end: float = float("inf")) -> int:
        """The largest sample between ``start`` and ``end`` (epoch seconds), in bytes."""
        return max((rss for when, rss in self.samples if start <= when <= end), default=0)
