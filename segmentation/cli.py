"""The ``segmentation`` command: tools of the core library for a terminal.

segmentation generate --tenants 10 --contacts-per-tenant 100000 --end-date 2026-11-25
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from segmentation.compile import compile_rule_set, to_sql
from segmentation.preview import preview
from segmentation.settings import Settings
from segmentation.synthetic.generator import GeneratorConfig, generate
from segmentation.validate import CustomField, Issue, check, load_rule_set
from segmentation.warehouse import custom_fields, marts_day

DIALECTS = ("duckdb", "spark", "trino", "postgres", "snowflake", "bigquery")


def _today_in_jakarta() -> date:
    return datetime.now(UTC).astimezone(ZoneInfo("Asia/Jakarta")).date()


def _generate(args: argparse.Namespace) -> int:
    config = GeneratorConfig(
        end_date=args.end_date or _today_in_jakarta(),
        seed=args.seed,
        tenants=args.tenants,
        contacts_per_tenant=args.contacts_per_tenant,
        dirty_rate=args.dirty_rate,
    )
    landing = args.landing or Settings.from_env().landing
    print(f"Generating {config.tenants} x {config.contacts_per_tenant:,} contacts into {landing}")
    result = generate(config, landing, progress=print)
    print(f"Done: {sum(result.rows.values()):,} rows; dirt injected: {result.dirt}")
    return 0


def _open_warehouse(path: Path | None) -> duckdb.DuckDBPyConnection | None:
    path = path or Settings.from_env().warehouse
    return duckdb.connect(str(path), read_only=True) if Path(path).exists() else None


def _custom_fields(con) -> dict[str, CustomField]:
    try:
        return custom_fields(con) if con is not None else {}
    except duckdb.Error:
        return {}


def _rule_input(path: Path, cid: str | None) -> tuple[object, str]:
    """The rule-set JSON of ``path`` and its tenant."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise SystemExit(f"{path}: cannot read JSON: {error}") from None
    if isinstance(data, dict) and "rule_set" in data:
        return data["rule_set"], cid or str(data.get("cid", ""))
    if not cid:
        raise SystemExit(f"{path}: a bare rule set needs --cid")
    return data, cid


def _print_issues(path: Path, issues: list[Issue]) -> None:
    for issue in issues:
        print(f"{path}: {issue.pointer or '/'}: {issue.message} [{issue.code}]")


def _validate(args: argparse.Namespace) -> int:
    con = _open_warehouse(args.warehouse)
    fields = _custom_fields(con)
    invalid = 0
    for path in args.files:
        rule_set, cid = _rule_input(path, args.cid)
        issues = check(rule_set, cid, fields)
        _print_issues(path, issues) if issues else print(f"{path}: valid")
        invalid += bool(issues)
    return 1 if invalid else 0


def _loaded(args: argparse.Namespace):
    con = _open_warehouse(args.warehouse)
    fields = _custom_fields(con)
    raw, cid = _rule_input(args.file, args.cid)
    issues = check(raw, cid, fields)
    if issues:
        _print_issues(args.file, issues)
        return None
    return con, fields, load_rule_set(raw, cid, fields), cid


def _as_of(args, con) -> date:
    if args.as_of:
        return args.as_of
    return marts_day(con) if con is not None else _today_in_jakarta()


def _compile(args: argparse.Namespace) -> int:
    loaded = _loaded(args)
    if loaded is None:
        return 1
    con, fields, rule_set, cid = loaded
    tree = compile_rule_set(rule_set, cid, _as_of(args, con), fields)
    print(to_sql(tree, args.dialect, pretty=True))
    return 0


def _preview(args: argparse.Namespace) -> int:
    loaded = _loaded(args)
    if loaded is None:
        return 1
    con, fields, rule_set, cid = loaded
    if con is None:
        raise SystemExit("no warehouse to preview against: run `make run` first")
    result = preview(con, rule_set, cid, _as_of(args, con), fields)
    print(json.dumps(asdict(result), indent=2, default=str))
    return 0


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _rate(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 0.2:
        raise argparse.ArgumentTypeError(f"must be between 0 and 0.2, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The command-line grammar."""
    parser = argparse.ArgumentParser(prog="segmentation", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    gen = commands.add_parser("generate", help="write a synthetic CRM to the landing zone")
    gen.add_argument("--landing", type=Path, help="landing directory (default: settings)")
    gen.add_argument("--seed", type=int, default=GeneratorConfig.seed)
    gen.add_argument("--tenants", type=_positive, default=GeneratorConfig.tenants)
    gen.add_argument(
        "--contacts-per-tenant", type=_positive, default=GeneratorConfig.contacts_per_tenant
    )
    gen.add_argument(
        "--end-date", type=date.fromisoformat, help="export day (default: today in Jakarta)"
    )
    gen.add_argument("--dirty-rate", type=_rate, default=GeneratorConfig.dirty_rate)
    gen.set_defaults(handler=_generate)

    def rule_command(name: str, help_text: str, handler, many: bool = False):
        command = commands.add_parser(name, help=help_text)
        if many:
            command.add_argument("files", type=Path, nargs="+", metavar="FILE")
        else:
            command.add_argument("file", type=Path, metavar="FILE")
        command.add_argument("--cid", help="tenant of a bare rule set")
        command.add_argument("--warehouse", type=Path, help="DuckDB file (default: settings)")
        command.set_defaults(handler=handler)
        return command

    rule_command("validate", "list every problem of segment or rule-set files", _validate, True)
    for name, help_text, handler in (
        ("compile", "print the SQL of a rule set", _compile),
        ("preview", "count and sample the contacts a rule set matches", _preview),
    ):
        command = rule_command(name, help_text, handler)
        command.add_argument("--as-of", type=date.fromisoformat, help="default: the marts' day")
        if name == "compile":
            command.add_argument("--dialect", choices=DIALECTS, default="duckdb")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``segmentation`` console script."""
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
