"""The ``segmentation`` command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from segmentation.cli import main


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
