"""A run launcher whose runs the run monitor can see die.

Dagster's default launcher cannot tell whether a run's process is alive, so a run whose
process was killed (``make run`` interrupted by SIGKILL, a machine that lost power)
stayed "Started" forever. Every run records the process executing it in a tag (host,
pid and the process's start time, which guards against a reused pid); with
``run_monitoring`` enabled in the instance configuration (``pipelines/dagster.yaml``,
which ``make`` installs), the daemon asks this launcher about each started run and marks
the dead ones failed.

This module reaches into ``dagster._core.launcher`` for the two types a health check
returns: the public API has no other way to write one. Keep dagster pinned, and
``tests/integration/test_run_monitoring.py`` catches an upgrade that moves them.
"""

from __future__ import annotations

import os
import socket

from dagster import DagsterRun, DefaultRunLauncher
from dagster._core.launcher import CheckRunHealthResult, WorkerStatus

WORKER_TAG = "segmentation/worker"
"""``<host>:<pid>:<start time in clock ticks>`` of the process executing a run."""


def _started(pid: int) -> str | None:
    """The process's start time (``/proc/<pid>/stat`` field 22); None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def worker_tags() -> dict[str, str]:
    """Tags naming this process as the one executing a run (pass them to the run)."""
    pid = os.getpid()
    return {WORKER_TAG: f"{socket.gethostname()}:{pid}:{_started(pid)}"}


class WorkerCheckingRunLauncher(DefaultRunLauncher):
    """The default launcher, plus a health check of the process named by a run's tag."""

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: DagsterRun) -> CheckRunHealthResult:
        value = run.tags.get(WORKER_TAG)
        if not value:  # launched through a code server, which watches its own workers
            return CheckRunHealthResult(WorkerStatus.RUNNING, "not executed in-process")
        host, pid, started = value.rsplit(":", 2)
        if host != socket.gethostname():
            return CheckRunHealthResult(WorkerStatus.UNKNOWN, f"executed on {host}")
        if _started(int(pid)) != started:
            return CheckRunHealthResult(WorkerStatus.FAILED, f"process {pid} on {host} is gone")
        return CheckRunHealthResult(WorkerStatus.RUNNING)
