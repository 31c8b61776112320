"""`make dev`: the Dagster webserver serves the asset graph, its checks and the schedule."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from segmentation.settings import REPOSITORY

QUERY = """{
  assetNodes { assetKey { path } assetChecksOrError { ... on AssetChecks { checks { name } } } }
  schedulesOrError(repositorySelector: {repositoryName: "__repository__",
                                        repositoryLocationName: "pipelines.definitions"}) {
    ... on Schedules { results { name cronSchedule executionTimezone } }
  }
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def graphql(port: int) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": QUERY}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["data"]


@pytest.fixture
def webserver(tmp_path: Path):
    port = free_port()
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path)}
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "dagster-webserver"), "-w", "workspace.yaml",
         "-h", "127.0.0.1", "-p", str(port)],
        cwd=REPOSITORY, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                yield graphql(port)
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(1)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=20)


def test_webserver_serves_graph_checks_and_schedule(webserver) -> None:
    keys = {"/".join(node["assetKey"]["path"]) for node in webserver["assetNodes"]}
    assert {"raw/crm_contacts", "staging/stg_crm__contacts", "marts/contact_rfm"} <= keys
    checks = [c["name"] for n in webserver["assetNodes"]
              for c in n["assetChecksOrError"].get("checks", [])]  # fmt: skip
    assert "great_expectations" in checks and len(checks) > 50
    (schedule,) = webserver["schedulesOrError"]["results"]
    assert (schedule["cronSchedule"], schedule["executionTimezone"]) == (
        "0 8 * * *",
        "Asia/Jakarta",
    )
