"""The whole daily job through Dagster at a scale, with time and peak memory per part.

The job is the one the 08:00 schedule launches (``python -m pipelines.run --day D``),
run as a subprocess on a fresh warehouse with its own Dagster instance; a sampler reads
the resident memory of that process and its children (dbt) from /proc, and each step's
window comes from the run's event log. The data of each scale is generated once into
``data/bench/<scale>/`` (10 tenants; 10 conversations and 14 campaigns per contact) and
reused while the generator settings are unchanged.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

from benchmarks.membership import bench_rule_set_files
from benchmarks.memory import GIB, Sampler
from segmentation.settings import REPOSITORY
from tools.synthetic.generator import MANIFEST, GeneratorConfig, stable_id

AS_OF = date(2026, 11, 24)
TENANTS = 10
SCALES = {"1M": 100_000, "3M": 300_000, "10M": 1_000_000}
"""Contacts per tenant of each scale (10 tenants)."""


def generator_config(scale: str) -> GeneratorConfig:
    """The benchmark's CRM at ``scale``: about 20 activity rows per contact."""
    return GeneratorConfig(
        end_date=AS_OF,
        tenants=TENANTS,
        contacts_per_tenant=SCALES[scale],
        conversations_per_contact=10.0,
        campaigns_per_contact=14.0,
    )


@dataclass(frozen=True)
class Site:
    """Where one scale's benchmark lives: its landing data and segment store, shared by
    the engines, and each engine's outputs (DuckDB's at the root, Spark's in ``spark/``)."""

    root: Path
    engine: str = "duckdb"

    @classmethod
    def of(cls, scale: str, engine: str = "duckdb") -> Site:
        return cls(REPOSITORY / "data" / "bench" / scale, engine)

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    @property
    def store(self) -> Path:
        return self.root / "segment_defs"

    @property
    def outputs(self) -> Path:
        return self.root if self.engine == "duckdb" else self.root / self.engine

    @property
    def warehouse(self) -> Path:
        return self.outputs / "warehouse.duckdb"

    @property
    def spark_warehouse(self) -> Path:
        return self.outputs / "spark_warehouse"

    @property
    def snapshots(self) -> Path:
        return self.outputs / "snapshots"

    @property
    def dagster_home(self) -> Path:
        return self.outputs / "dagster_home"

    @property
    def logs(self) -> Path:
        return self.outputs / "logs"

    def environment(self) -> dict[str, str]:
        """The job's settings: this site's engine and paths, everything else as configured."""
        return os.environ | {
            "SEGMENTATION_ENGINE": self.engine,
            "SEGMENTATION_WAREHOUSE": str(self.warehouse),
            "SEGMENTATION_SPARK_WAREHOUSE": str(self.spark_warehouse),
            "SEGMENTATION_LANDING": str(self.landing),
            "SEGMENTATION_SEGMENT_DEFS": str(self.store),
            "SEGMENTATION_SPILL_DIRECTORY": str(self.outputs / "spill"),
            "SEGMENTATION_SNAPSHOTS": str(self.snapshots),
            "DAGSTER_HOME": str(self.dagster_home),
        }


@dataclass(frozen=True)
class Measured:
    """Wall time and peak resident memory (of the process and its children)."""

    seconds: float
    peak_bytes: int


def _measure(command: list[str], env: dict[str, str], log: Path) -> tuple[Measured, Sampler]:
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with log.open("w") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
        sampler = Sampler(process.pid).start()
        code = process.wait()
        sampler.stop()
    if code != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({code}); see {log}")
    return Measured(time.perf_counter() - started, sampler.peak()), sampler


def ensure_landing(site: Site, config: GeneratorConfig) -> Measured | None:
    """Generate the scale's CRM unless the landing folder already holds it (None then)."""
    manifest = site.landing / MANIFEST
    wanted = json.loads(json.dumps(asdict(config), default=str))
    if manifest.exists() and json.loads(manifest.read_text())["config"] == wanted:
        return None
    command = [
        str(Path(sys.executable).parent / "segmentation"), "generate",
        "--landing", str(site.landing), "--end-date", config.end_date.isoformat(),
        "--tenants", str(config.tenants),
        "--contacts-per-tenant", str(config.contacts_per_tenant),
        "--conversations-per-contact", str(config.conversations_per_contact),
        "--campaigns-per-contact", str(config.campaigns_per_contact),
    ]  # fmt: skip
    measured, _ = _measure(command, os.environ.copy(), site.root / "logs" / "generate.log")
    return measured


def write_store(site: Site, config: GeneratorConfig) -> int:
    """The benchmark's 200 segments as a segment store; how many."""
    cids = [stable_id(config.seed, "tenant", i) for i in range(config.tenants)]
    files = bench_rule_set_files(cids)
    for relative, document in files.items():
        path = site.store / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(document, indent=2))
    return len(files)


PARTS = (
    "load",
    "great-expectations checks",
    "row conservation checks",
    "dbt build",
    "segments",
    "segment stats (dbt)",
    "snapshot for the API",
)


def part_of(step_key: str) -> str:
    """Which part of the job a step belongs to."""
    if step_key.endswith("_great_expectations"):
        return "great-expectations checks"
    if step_key.endswith("_every_landed_row_kept"):
        return "row conservation checks"
    if step_key.startswith("raw__"):
        return "load"
    if step_key == "dbt_models":
        return "dbt build"
    if step_key == "segment_stats":
        return "segment stats (dbt)"
    if step_key.startswith("serving__"):
        return "snapshot for the API"
    return "segments"


@dataclass
class JobFigures:
    """The daily job's run: its wall time and peak, and each part's."""

    total: Measured
    parts: dict[str, Measured] = field(default_factory=dict)
    steps: int = 0
    jvms: int = 0
    """Java processes the run started (Spark sessions: the job's steps, dbt's)."""


def _step_windows(dagster_home: Path) -> list[tuple[str, float, float]]:
    """(step key, start, end) of every step of the instance's latest run."""
    import dagster as dg

    kinds = {
        dg.DagsterEventType.STEP_START,
        dg.DagsterEventType.STEP_SUCCESS,
        dg.DagsterEventType.STEP_FAILURE,
    }
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        run = instance.get_runs(limit=1)[0]
        records = instance.get_records_for_run(run.run_id, of_type=kinds, limit=100_000)
    starts, windows = {}, []
    for record in records.records:
        event, when = record.event_log_entry.dagster_event, record.event_log_entry.timestamp
        if event.event_type is dg.DagsterEventType.STEP_START:
            starts[event.step_key] = when
        else:
            windows.append((event.step_key, starts.get(event.step_key, when), when))
    return windows


def run_job(site: Site, day: date = AS_OF) -> JobFigures:
    """The daily job for ``day`` on a fresh warehouse, measured."""
    for stale in (site.warehouse, site.warehouse.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    shutil.rmtree(site.spark_warehouse, ignore_errors=True)
    site.dagster_home.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pipelines.run", "--day", day.isoformat()]
    total, sampler = _measure(command, site.environment(), site.logs / "job.log")
    figures = JobFigures(total, jvms=sampler.started("java"))
    spans: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for step, start, end in _step_windows(site.dagster_home):
        spans[part_of(step)].append((start, end))
        figures.steps += 1
    for part in PARTS:
        windows = spans.get(part, [])
        figures.parts[part] = Measured(
            sum(end - start for start, end in windows),
            max((sampler.peak(start, end) for start, end in windows), default=0),
        )
    return figures


def report(scale: str, generated: Measured | None, job: JobFigures) -> str:
    """The table ``make bench`` prints for the job."""
    lines = []
    if generated:
        peak = generated.peak_bytes / GIB
        lines.append(f"generate {scale}: {generated.seconds:.0f} s, peak {peak:.2f} GiB")
    steps_time = sum(m.seconds for m in job.parts.values())
    lines += [
        f"{'part of the daily job':<28}{'time s':>9}{'share':>8}{'peak GiB':>10}",
        "-" * 55,
    ]
    for part, measured in job.parts.items():
        share = measured.seconds / steps_time if steps_time else 0
        lines.append(
            f"{part:<28}{measured.seconds:>9.1f}{share:>8.0%}{measured.peak_bytes / GIB:>10.2f}"
        )
    lines += [
        "-" * 55,
        f"{'steps':<28}{steps_time:>9.1f}{'':>8}",
        f"{'whole run (process)':<28}{job.total.seconds:>9.1f}{'':>8}"
        f"{job.total.peak_bytes / GIB:>10.2f}",
    ]
    return "\n".join(lines)


def build_marts(site: Site, day: date) -> None:
    """``dbt build`` of the marts into the site's warehouse as of ``day``."""
    from assets.dbt import dbt_build_args
    from segmentation.settings import Settings

    settings = Settings.from_env()
    project = settings.dbt_project
    args = dbt_build_args(day.isoformat(), str(site.warehouse), settings.timezone)
    subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), *args, "--quiet", "--select", "+marts",
         "--project-dir", str(project), "--profiles-dir", str(project),
         "--target-path", str(site.outputs / "dbt_target"), "--log-path", str(site.logs)],
        check=True,
    )  # fmt: skip
