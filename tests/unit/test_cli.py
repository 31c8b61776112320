"""The ``segmentation`` command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from segmentation.settings import REPOSITORY
from tests.helpers import segment, store
from tools.cli import main


def test_cli_generate_writes_the_landing_zone(tmp_path: Path, capsys) -> None:
    code = main(
        [
            "generate",
            "--landing",
            str(tmp_path),
            "--tenants",
            "1",
            "--contacts-per-tenant",
            "50",
            "--end-date",
            "2026-01-01",
        ]
    )
    assert code == 0
    assert (tmp_path / "contacts" / "part-0.parquet").exists()
    assert "contacts" in capsys.readouterr().out


@pytest.mark.parametrize(
    "bad", [["--tenants", "0"], ["--dirty-rate", "0.9"], ["--end-date", "yesterday"]]
)
def test_cli_generate_rejects_bad_settings_with_a_message(bad, tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["generate", "--landing", str(tmp_path), *bad])
    assert stop.value.code == 2
    assert "error" in capsys.readouterr().err


def test_cli_validate_reports_every_file_as_the_pipeline_judges_it(tmp_path: Path, capsys) -> None:
    """Why: it used to stop at the first unreadable file and pass duplicate ids."""
    root = store(tmp_path / "store", **{
        "t1/broken": "{nope", "t1/first": segment("s1", "First"),
        "t1/second": segment("s1", "Second"), "t1/fine": segment("s2", "Fine"),
    })  # fmt: skip
    files = sorted(str(p) for p in root.glob("*/*.json"))
    code = main(["validate", *files, "--store", str(root), "--warehouse", str(tmp_path / "none")])
    out = capsys.readouterr().out
    assert code == 1
    assert f"{root / 't1' / 'broken.json'}: INVALID" in out
    assert "[invalid_json]" in out
    assert out.count("[duplicate_segment_id]") == 2
    assert f"{root / 't1' / 'fine.json'}: valid" in out


def test_cli_preview_refuses_a_day_the_marts_are_not_built_for(built_warehouse, capsys) -> None:
    example = next((REPOSITORY / "segment_defs").glob("*/big-deal-winners.json"))
    warehouse = ["--warehouse", str(built_warehouse.path)]
    with pytest.raises(SystemExit, match="the marts are built as of 2026-11-24, not 2026-01-01"):
        main(["preview", str(example), "--as-of", "2026-01-01", *warehouse])
    assert main(["preview", str(example), *warehouse]) == 0
    assert '"as_of": "2026-11-24"' in capsys.readouterr().out


def test_cli_explain_agrees_with_the_preview_for_a_matched_and_an_unmatched_contact(
    built_warehouse, capsys
) -> None:
    example = next((REPOSITORY / "segment_defs").glob("*/big-deal-winners.json"))
    warehouse = ["--warehouse", str(built_warehouse.path)]
    assert main(["preview", str(example), *warehouse]) == 0
    sampled = json.loads(capsys.readouterr().out)["sample"][0]["contact_id"]
    assert main(["explain", str(example), "--contact", sampled, *warehouse]) == 0
    why = json.loads(capsys.readouterr().out)
    assert why["matched"] is True and why["contact_id"] == sampled
    decided = [c for g in why["groups"] for c in g["conditions"]]
    assert decided and all(c["summary"] and c["pointer"].startswith("/groups/") for c in decided)
    with pytest.raises(SystemExit, match="no contact 'nobody'"):
        main(["explain", str(example), "--contact", "nobody", *warehouse])
