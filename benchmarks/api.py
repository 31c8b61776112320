"""The API at 1M contacts, over the snapshot the daily job published.

Previews over HTTP from 8 concurrent clients, beside the library's preview called
directly with the same concurrency on the same snapshot (the API's overhead is the
difference), and the sequential direct call; the detail and performance endpoints;
publishing the snapshot, beside the warehouse's size. The API runs as ``make serve``
runs it: ``python -m serving`` in its own process.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import duckdb
import httpx

from benchmarks.daily_job import Site
from benchmarks.preview import CASES, TARGET_P95_MS
from segmentation import snapshot
from segmentation.daily.stats import DAILY_STATS
from segmentation.preview import preview
from segmentation.rules.validate import bind
from segmentation.warehouse import custom_fields
from serving.auth import mint
from serving.config import ServingSettings

CLIENTS = 8
REPEATS = 8
"""Requests per client and case."""
PREVIEW_RATIO_GOAL = 2.0
READ_P95_GOAL_MS = 50.0


@dataclass(frozen=True)
class Timing:
    p50: float
    p95: float


def _timing(samples: list[float]) -> Timing:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return Timing(statistics.median(ordered), p95)


def _concurrently(work: Callable[[int], list[float]], clients: int = CLIENTS) -> list[float]:
    """Run ``work(i)`` in ``clients`` threads at once; every latency they measured."""
    results: list[list[float]] = [[] for _ in range(clients)]
    errors: list[BaseException] = []
    start = threading.Barrier(clients)

    def client(i: int) -> None:
        start.wait()
        try:
            results[i] = work(i)
        except BaseException as error:  # re-raised below, in the caller
            errors.append(error)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return [ms for result in results for ms in result]


def _timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


@contextmanager
def serve(site: Site) -> Iterator[str]:
    """``python -m serving`` over the site's snapshot and store; its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = site.environment() | {
        "SEGMENTATION_API_PORT": str(port),
        "SEGMENTATION_PREVIEW_RATE": "1000000",
        "SEGMENTATION_PREVIEW_DEADLINE": "30",
    }
    log = (site.root / "logs" / "api.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "serving"], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{url}/openapi.json", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"the API did not start; see {log.name}") from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def run(site: Site) -> tuple[str, list[str]]:
    """Every figure as a report, and the goals missed."""
    live = snapshot.current(site.snapshots)
    if live is None:
        raise RuntimeError("the daily job published no snapshot")
    with duckdb.connect(str(live.path), read_only=True) as con:
        cid, segment_ids = _largest_tenant(con)
        fields = custom_fields(con)
        direct = _direct_previews(con, cid, fields, live)
    secret = ServingSettings.from_env(os.environ).secret
    headers = {"Authorization": f"Bearer {mint(secret, cid, 'bench')}"}
    with serve(site) as url:
        over_http = _http_previews(url, headers)
        reads = _http_reads(url, headers, segment_ids)
    warehouse = site.warehouse.stat().st_size
    lines = [
        f"Snapshot: {live.size_bytes / 2**20:,.0f} MiB beside the warehouse's "
        f"{warehouse / 2**20:,.0f} MiB ({live.size_bytes / warehouse:.0%}); "
        "its publishing time is the job's 'snapshot for the API' part",
        "",
        f"Previews, largest tenant, {CLIENTS} concurrent clients x {REPEATS} each; direct: the "
        "library on the same snapshot",
    ]
    failures = []
    header = (
        f"{'rule set':<44} {'http p50':>9} {'http p95':>9} {'direct p95':>11} "
        f"{'alone p95':>10} {'http/direct':>11} {'goal':>16}"
    )
    lines += [header, "-" * len(header)]
    for case in CASES:
        http, (concurrent, alone) = over_http[case.name], direct[case.name]
        ratio = http.p95 / concurrent.p95
        bound = TARGET_P95_MS[case.kind]
        missed = ratio > PREVIEW_RATIO_GOAL or http.p95 > bound
        if missed:
            failures.append(f"preview over HTTP '{case.name}': p95 {http.p95:.0f} ms, {ratio:.2f}x")
        lines.append(
            f"{case.name:<44} {http.p50:>9.1f} {http.p95:>9.1f} {concurrent.p95:>11.1f} "
            f"{alone.p95:>10.1f} {ratio:>10.2f}x {f'<={PREVIEW_RATIO_GOAL}x,{bound}ms':>16}"
            + ("  MISSED" if missed else "")
        )
    lines += ["", f"Reads, {len(segment_ids)} segments, {CLIENTS} concurrent clients"]
    for name, timing in reads.items():
        missed = timing.p95 > READ_P95_GOAL_MS
        if missed:
            failures.append(f"{name}: p95 {timing.p95:.0f} ms")
        lines.append(
            f"  {name:<12} p50 {timing.p50:6.1f} ms  p95 {timing.p95:6.1f} ms  "
            f"(goal p95 <= {READ_P95_GOAL_MS:.0f} ms)" + ("  MISSED" if missed else "")
        )
    return "\n".join(lines), failures


def _largest_tenant(con: duckdb.DuckDBPyConnection) -> tuple[str, list[str]]:
    cid = con.execute(
        "SELECT cid FROM marts.contact_profile GROUP BY cid ORDER BY count(*) DESC, cid LIMIT 1"
    ).fetchall()[0][0]
    segments = con.execute(
        f"SELECT DISTINCT segment_id FROM {DAILY_STATS} WHERE cid = ? ORDER BY 1", [cid]
    ).fetchall()
    return cid, [s for (s,) in segments]


def _direct_previews(con, cid, fields, live) -> dict[str, tuple[Timing, Timing]]:
    figures = {}
    for case in CASES:

        def call(cursor: duckdb.DuckDBPyConnection, case=case) -> None:
            preview(cursor, bind(case.rule_set, cid, fields), live.as_of)

        alone_cursor = con.cursor()
        call(alone_cursor)  # warm up
        alone = [_timed(lambda c=alone_cursor: call(c)) for _ in range(REPEATS * 2)]

        def client(_i: int, call=call) -> list[float]:
            cursor = con.cursor()
            return [_timed(lambda: call(cursor)) for _ in range(REPEATS)]

        figures[case.name] = (_timing(_concurrently(client)), _timing(alone))
    return figures


def _http_previews(url: str, headers: dict) -> dict[str, Timing]:
    figures = {}
    for case in CASES:
        body = {"rule_set": case.rule_set}

        def client(_i: int, body=body) -> list[float]:
            with httpx.Client(base_url=url, headers=headers, timeout=60) as http:
                http.post("/v1/segments/preview", json=body).raise_for_status()  # warm up
                return [
                    _timed(lambda: http.post("/v1/segments/preview", json=body).raise_for_status())
                    for _ in range(REPEATS)
                ]

        figures[case.name] = _timing(_concurrently(client))
    return figures


def _http_reads(url: str, headers: dict, segment_ids: list[str]) -> dict[str, Timing]:
    figures = {}
    for name in ("detail", "performance"):

        def client(i: int, name=name) -> list[float]:
            with httpx.Client(base_url=url, headers=headers, timeout=60) as http:
                chosen = segment_ids[i::CLIENTS]
                return [
                    _timed(lambda s=s: http.get(f"/v1/segments/{s}/{name}").raise_for_status())
                    for s in chosen
                ]

        figures[name] = _timing(_concurrently(client))
    return figures
