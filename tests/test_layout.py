"""The layout's import rules, checked on the source: each folder imports only what the
README's layout table says it may. A stage never reaches into a later one, the core never
into orchestration, and the compiler loads without DuckDB."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from segmentation.settings import REPOSITORY

CORE_SHARED = {"segmentation.limits", "segmentation.settings", "segmentation.text"}

# Folder -> the first-party modules and the third-party packages it may import
# (besides the standard library and its own folder).
MAY_IMPORT: dict[str, tuple[set[str], set[str]]] = {
    "segmentation/rules": (CORE_SHARED, {"pydantic", "yaml"}),
    "segmentation/compile": (CORE_SHARED | {"segmentation.rules"}, {"sqlglot"}),
    "segmentation/landing": (
        CORE_SHARED | {"segmentation.transactions"},
        {"duckdb", "pyarrow", "numpy"},
    ),
    "segmentation/daily": (
        CORE_SHARED
        | {"segmentation.rules", "segmentation.compile", "segmentation.warehouse"}
        | {"segmentation.transactions", "segmentation.dbt"},
        {"duckdb", "pyarrow", "polars", "pydantic", "sqlglot"},
    ),
    "segmentation": (
        CORE_SHARED
        | {"segmentation.rules", "segmentation.compile", "segmentation.landing"}
        | {"segmentation.daily", "segmentation.preview", "segmentation.warehouse"}
        | {"segmentation.transactions"},
        {"duckdb", "sqlglot", "pydantic", "yaml"},
    ),
    "segmentation/spark": (
        CORE_SHARED
        | {"segmentation.rules", "segmentation.compile", "segmentation.landing"}
        | {"segmentation.daily", "segmentation.warehouse", "segmentation.snapshot"},
        {"pyspark", "pyarrow", "duckdb", "sqlglot"},
    ),
    "tools": ({"segmentation", "tools"}, {"duckdb", "numpy", "polars", "pyarrow"}),
    "assets": (
        {"segmentation", "assets"},
        {"dagster", "dagster_dbt", "dagster_duckdb", "duckdb", "pydantic", "pyarrow", "pandas"}
        | {"great_expectations"},
    ),
    "pipelines": (
        {"segmentation", "assets", "pipelines", "tools"},
        {"dagster", "dagster_dbt", "duckdb"},
    ),
    "serving": (
        {"segmentation", "serving"},
        {"fastapi", "starlette", "uvicorn", "jwt", "duckdb", "pydantic"},
    ),
}


def imports(path: Path) -> set[str]:
    """Every absolute module name ``path`` imports, lazily or not."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def allowed(module: str, folder: str) -> bool:
    first_party, third_party = MAY_IMPORT[folder]
    top = module.split(".")[0]
    if top in sys.stdlib_module_names or top == "__future__" or top in third_party:
        return True
    own = folder.replace("/", ".")
    return any(module == m or module.startswith(m + ".") for m in {*first_party, own})


def folder_of(path: Path) -> str:
    """The most specific folder of :data:`MAY_IMPORT` holding ``path``."""
    relative = path.relative_to(REPOSITORY).parent.as_posix()
    while relative not in MAY_IMPORT:
        relative = relative.rpartition("/")[0]
    return relative


SOURCES = sorted(
    path
    for top in ("segmentation", "tools", "assets", "pipelines", "serving")
    for path in (REPOSITORY / top).rglob("*.py")
)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.relative_to(REPOSITORY).as_posix())
def test_module_imports_only_what_its_folder_may(path: Path) -> None:
    folder = folder_of(path)
    forbidden = sorted(m for m in imports(path) if not allowed(m, folder))
    assert forbidden == [], f"{folder}/ may not import {forbidden}"


def test_the_compiler_loads_without_duckdb_or_dagster() -> None:
    probe = (
        "import sys, segmentation.compile, segmentation.rules.validate; "
        "print(sorted(m for m in ('duckdb', 'dagster', 'great_expectations') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_the_api_loads_without_the_orchestrator() -> None:
    probe = (
        "import sys, serving.app; "
        "print(sorted(m for m in ('dagster', 'dagster_dbt', 'great_expectations', 'dbt') "
        "if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
