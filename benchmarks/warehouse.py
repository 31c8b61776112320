"""The benchmark warehouse: 10 tenants x 100k contacts, ~21M activity rows, built once.

Generated, loaded and built by dbt with the project's own code into ``data/bench/``; a
later run reuses it while the generator settings and the dbt project are unchanged.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path

import duckdb

from assets.dbt import dbt_build_args
from segmentation.landing.load import load_entity
from segmentation.landing.sources import ENTITIES
from segmentation.settings import DEFAULT_TIMEZONE, REPOSITORY
from segmentation.warehouse import marts_day
from tools.synthetic.generator import MANIFEST, GeneratorConfig, generate

BENCH = REPOSITORY / "data" / "bench"
AS_OF = date(2026, 11, 24)
CONFIG = GeneratorConfig(
    end_date=AS_OF,
    tenants=10,
    contacts_per_tenant=100_000,
    # 10M conversations, 6.7M campaign deliveries, 2.8M orders, 1.2M tickets, 0.8M deals.
    conversations_per_contact=10.0,
    campaigns_per_contact=14.0,
)


def _fingerprint() -> str:
    digest = hashlib.sha256(json.dumps(asdict(CONFIG), default=str).encode())
    for path in sorted((REPOSITORY / "dbt_project").rglob("*")):
        if path.is_file() and "target" not in path.parts and "logs" not in path.parts:
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def build_marts(warehouse: Path, day: date, select: str | None = None) -> None:
    """``dbt build`` of the project into ``warehouse`` as of ``day``."""
    project = REPOSITORY / "dbt_project"
    subprocess.run(
        [str(Path(sys.executable).parent / "dbt"),
         *dbt_build_args(day.isoformat(), str(warehouse), DEFAULT_TIMEZONE), "--quiet",
         "--project-dir", str(project), "--profiles-dir", str(project),
         "--target-path", str(BENCH / "dbt_target"), "--log-path", str(BENCH / "dbt_logs"),
         *(["--select", select] if select else [])],
        check=True,
    )  # fmt: skip


def _config_json() -> dict:
    return json.loads(json.dumps(asdict(CONFIG), default=str))


def _landed_config() -> dict | None:
    manifest = BENCH / "landing" / MANIFEST
    return json.loads(manifest.read_text())["config"] if manifest.exists() else None


def bench_warehouse(log=print) -> tuple[Path, dict[str, float]]:
    """The built warehouse, and how long each step took (empty when reused)."""
    warehouse, stamp = BENCH / "warehouse.duckdb", BENCH / "built.txt"
    fingerprint = _fingerprint()
    if warehouse.exists() and stamp.exists() and stamp.read_text() == fingerprint:
        log(f"reusing {warehouse} (built from the same settings)")
        with duckdb.connect(str(warehouse), read_only=True) as con:
            built_for = marts_day(con)
        if built_for == AS_OF:
            return warehouse, {}
        log(f"its marts are as of {built_for}: rebuilding them as of {AS_OF}")
        started = time.perf_counter()
        build_marts(warehouse, AS_OF, select="+marts")
        return warehouse, {"dbt build": time.perf_counter() - started}
    timings = {}
    if _landed_config() != _config_json():
        started = time.perf_counter()
        generate(CONFIG, BENCH / "landing", progress=log)
        timings["generate"] = time.perf_counter() - started

    warehouse.unlink(missing_ok=True)
    started = time.perf_counter()
    with duckdb.connect(str(warehouse)) as con:
        for entity in ENTITIES:
            load_entity(con, entity, BENCH / "landing", datetime(2026, 11, 25))
    timings["load"] = time.perf_counter() - started

    started = time.perf_counter()
    build_marts(warehouse, AS_OF)
    timings["dbt build"] = time.perf_counter() - started
    stamp.write_text(fingerprint)
    return warehouse, timings
