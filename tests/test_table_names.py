"""Each warehouse table is named once, by the module that owns it, and really exists.

The loader owns the raw tables (the landing contract names them), the catalog the marts
a condition reads, the daily modules the segments tables. Any other module refers to a
table through its owner, so a renamed table is renamed in one place.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import duckdb

from segmentation.daily import membership, stats, store
from segmentation.landing import load, sources
from segmentation.rules.catalog import load_catalog
from segmentation.settings import REPOSITORY

TABLE = re.compile(r"\b(?:raw|staging|marts|seeds|segments)\.[a-z_]+\b")
OWNERS = {
    "segmentation/landing/load.py": {load.QUARANTINE, load.LOAD_LOG},
    "segmentation/daily/membership.py": {membership.MEMBERSHIP, membership.DAYS},
    "segmentation/daily/stats.py": {stats.DAILY_STATS, stats.DISTRIBUTIONS,
                                    stats.MATCHED_CUSTOMERS, stats.SIZES},
    "segmentation/daily/store.py": {store.DEFINITIONS, store.OVERVIEW},
}  # fmt: skip
"""Where each table the code (not its docstrings) spells is named."""


def spelled_tables(path: Path) -> set[str]:
    """Table names in the string literals of a module's code, docstrings left out."""
    tree = ast.parse(path.read_text())
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    found = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and (id(node) not in docstrings)
        ):
            found |= set(TABLE.findall(node.value))
    return found


def code_modules() -> list[Path]:
    folders = ("segmentation", "assets", "pipelines", "tools", "serving")
    return sorted(p for f in folders for p in (REPOSITORY / f).rglob("*.py"))


def test_only_a_table_s_owner_spells_its_name() -> None:
    """Why: marts.contact_profile was spelled in nine places, and a list of marts in the
    assets restated the catalog."""
    spelled = {
        str(path.relative_to(REPOSITORY)): names
        for path in code_modules()
        if (names := spelled_tables(path))
    }
    owned = {module: names for module, names in spelled.items() if module in OWNERS}
    assert {m: n for m, n in spelled.items() if m not in OWNERS} == {}
    assert all(names <= OWNERS[module] for module, names in owned.items())


def test_every_table_the_core_reads_is_built_by_dbt_or_by_the_core(tmp_path: Path) -> None:
    manifest = json.loads((REPOSITORY / "dbt_project" / "target" / "manifest.json").read_text())
    built_by_dbt = {
        f"{node['schema']}.{node['alias']}"
        for node in manifest["nodes"].values()
        if node["resource_type"] in ("model", "seed")
    }
    read_by_dbt = {f"{s['schema']}.{s['identifier']}" for s in manifest["sources"].values()}
    catalog = load_catalog()
    assert {*catalog.tables(), catalog.custom.definitions} <= built_by_dbt
    segment_models = {stats.DAILY_STATS, stats.DISTRIBUTIONS, stats.MATCHED_CUSTOMERS, stats.SIZES}
    assert segment_models <= built_by_dbt
    written = {spec.relation for spec in sources.ENTITIES}  # by the loader
    written |= {membership.MEMBERSHIP, membership.DAYS}  # by the daily segments step
    assert written == read_by_dbt
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        load.ensure_schema(con)
        membership.ensure_tables(con)
        stats.ensure_tables(con)
        store.record_store(con, [])
        created = {
            f"{schema}.{name}"
            for schema, name in con.execute(
                "SELECT schema_name, table_name FROM duckdb_tables() UNION ALL "
                "SELECT schema_name, view_name FROM duckdb_views() WHERE NOT internal"
            ).fetchall()
        }
    assert set().union(*OWNERS.values()) <= created
