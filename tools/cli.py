"""The ``segmentation`` command: tools of the core library for a terminal.

segmentation generate --tenants 10 --contacts-per-tenant 100000 --end-date 2026-11-25
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from segmentation.compile import compile_rule_set, to_sql
from segmentation.daily.store import StoreContext, segment_directory, validate_files
from segmentation.explain import ContactNotFound, explain_contact
from segmentation.limits import Limits
from segmentation.preview import preview
from segmentation.rules.catalog import custom_field_names
from segmentation.rules.model import RuleSet
from segmentation.rules.validate import check, strict, validate
from segmentation.settings import Settings
from segmentation.warehouse import custom_fields, marts_day, store_context
from tools.synthetic.generator import GeneratorConfig, generate

DIALECTS = ("duckdb", "spark", "trino", "postgres", "snowflake", "bigquery")


def _today() -> date:
    """Today in the deployment's home time zone."""
    return datetime.now(UTC).astimezone(ZoneInfo(Settings.from_env().timezone)).date()


def _generate(args: argparse.Namespace) -> int:
    settings = {name: getattr(args, name) for name in GENERATE_FLAGS}
    config = GeneratorConfig(end_date=args.end_date or _today(), **settings)
    landing = args.landing or Settings.from_env().landing
    print(f"Generating {config.tenants} x {config.contacts_per_tenant:,} contacts into {landing}")
    result = generate(config, landing, progress=print)
    print(f"Done: {sum(result.rows.values()):,} rows; dirt injected: {result.dirt}")
    return 0


def _open_warehouse(path: Path | None) -> duckdb.DuckDBPyConnection | None:
    path = path or Settings.from_env().warehouse
    return duckdb.connect(str(path), read_only=True) if Path(path).exists() else None


def _context(con: duckdb.DuckDBPyConnection | None) -> StoreContext:
    return store_context(con, datetime.now(UTC), Limits.from_env())


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None  # reported by the segment check, with the reason


def _is_bare_rule_set(data: object) -> bool:
    return isinstance(data, dict) and "groups" in data and "rule_set" not in data


def _print_issues(path: Path, issues, label: str = "") -> None:
    for issue in issues:
        print(f"{path}: {label}{issue.pointer or '/'}: {issue.message} [{issue.code}]")


def _validate(args: argparse.Namespace) -> int:
    """Check each file as the pipeline would: a segment file as a member of the store."""
    con = _open_warehouse(args.warehouse)
    context = _context(con)
    if context.tenants is None:
        print("note: no warehouse yet, so tenants and custom fields are not checked")
    store = args.store or Settings.from_env().segment_defs
    bare = [p for p in args.files if _is_bare_rule_set(_read_json(p))]
    invalid = 0
    for item in validate_files([p for p in args.files if p not in bare], store, context):
        _print_issues(item.path, item.issues)
        _print_issues(item.path, item.warnings, label="warning: ")
        print(f"{item.path}: {'valid' if item.valid else 'INVALID'}")
        invalid += not item.valid
    for path in bare:
        if not args.cid:
            raise SystemExit(f"{path}: a bare rule set needs --cid")
        issues = check(
            _read_json(path), args.cid, context.custom_fields, context.limits,
            segments=segment_directory(store),
        )  # fmt: skip
        _print_issues(path, issues)
        print(f"{path}: {'INVALID' if issues else 'valid'}")
        invalid += bool(issues)
    return 1 if invalid else 0


def _loaded(args: argparse.Namespace):
    """The warehouse, and the rule set of FILE (a segment file or a bare rule set) validated
    once: bound, and as written."""
    con = _open_warehouse(args.warehouse)
    context = _context(con)
    data = _read_json(args.file)
    if _is_bare_rule_set(data):
        if not args.cid:
            raise SystemExit(f"{args.file}: a bare rule set needs --cid")
        store = args.store or Settings.from_env().segment_defs
        bound, issues = validate(
            data, args.cid, context.custom_fields, context.limits,
            segments=segment_directory(store),
        )  # fmt: skip
        if issues:
            _print_issues(args.file, issues)
            return None
        return con, bound, strict(RuleSet, data)
    (item,) = validate_files([args.file], args.store or Settings.from_env().segment_defs, context)
    if not item.valid:
        _print_issues(item.path, item.issues)
        return None
    return con, item.rule_set, item.segment.rule_set


def _as_of(args, con) -> date:
    """The day asked for, which must be the day the marts are built as of."""
    if con is None:
        return args.as_of or _today()
    built = marts_day(con)
    if args.as_of and args.as_of != built:
        raise SystemExit(
            f"the marts are built as of {built}, not {args.as_of}: a preview reads them as "
            f"they are. Materialize the partition {args.as_of} (make run DAY={args.as_of}) "
            "first, or leave out --as-of"
        )
    return built


def _compile(args: argparse.Namespace) -> int:
    loaded = _loaded(args)
    if loaded is None:
        return 1
    con, rule_set, _written = loaded
    day = args.as_of or (marts_day(con) if con is not None else _today())
    tree = compile_rule_set(rule_set, day)
    print(to_sql(tree, args.dialect, pretty=True))
    return 0


def _preview(args: argparse.Namespace) -> int:
    loaded = _loaded(args)
    if loaded is None:
        return 1
    con, rule_set, _written = loaded
    if con is None:
        raise SystemExit("no warehouse to preview against: run `make run` first")
    result = preview(con, rule_set, _as_of(args, con))
    print(json.dumps(asdict(result), indent=2, default=str))
    return 0


def _explain(args: argparse.Namespace) -> int:
    loaded = _loaded(args)
    if loaded is None:
        return 1
    con, bound, written = loaded
    if con is None:
        raise SystemExit("no warehouse to explain against: run `make run` first")
    names = custom_field_names(custom_fields(con), bound.cid)
    try:
        why = explain_contact(con, written, bound, args.contact, _as_of(args, con), names)
    except ContactNotFound as error:
        raise SystemExit(str(error)) from None
    print(json.dumps(asdict(why), indent=2, default=str))
    return 0


def _at_least(minimum: float, kind: type = int) -> Callable[[str], int | float]:
    """An argument type: a finite ``kind`` (int or float) of at least ``minimum``."""

    def parse(text: str) -> int | float:
        value = kind(text)  # a ValueError reads "invalid int value: 'x'"
        if not math.isfinite(value) or value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {text}")
        return value

    parse.__name__ = kind.__name__
    return parse


def _rate(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 0.2:
        raise argparse.ArgumentTypeError(f"must be between 0 and 0.2, got {value}")
    return value


GENERATE_FLAGS: dict[str, tuple[Callable[[str], object], str]] = {
    "seed": (int, "seed of every random stream"),
    "tenants": (_at_least(1), "number of tenants"),
    "contacts_per_tenant": (_at_least(1), "contacts of each tenant"),
    "history_days": (_at_least(1), "days of history before the export day"),
    "dirty_rate": (_rate, "share of rows given each kind of dirt"),
    "conversations_per_contact": (_at_least(0, float), "mean conversations per contact"),
    "campaigns_per_contact": (_at_least(0, float), "mean campaigns received per contact"),
    "orders_per_buyer": (_at_least(1, float), "mean orders per buyer (each buys once at least)"),
    "deals_per_contact": (_at_least(0, float), "mean deals per contact"),
    "tickets_per_contact": (_at_least(0, float), "mean tickets per contact"),
}
"""A ``segmentation generate`` flag for every :class:`GeneratorConfig` field but the
export day: its argument type and help. Defaults are the dataclass's."""


def build_parser() -> argparse.ArgumentParser:
    """The command-line grammar."""
    parser = argparse.ArgumentParser(prog="segmentation", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    gen = commands.add_parser("generate", help="write a synthetic CRM to the landing zone")
    gen.add_argument("--landing", type=Path, help="landing directory (default: settings)")
    gen.add_argument("--end-date", type=date.fromisoformat, help="export day (default: today)")
    for name, (kind, help_text) in GENERATE_FLAGS.items():
        gen.add_argument(
            "--" + name.replace("_", "-"),
            type=kind,
            default=getattr(GeneratorConfig, name),
            help=f"{help_text} (default: %(default)s)",
        )
    gen.set_defaults(handler=_generate)

    def rule_command(name: str, help_text: str, handler, many: bool = False):
        command = commands.add_parser(name, help=help_text)
        if many:
            command.add_argument("files", type=Path, nargs="+", metavar="FILE")
        else:
            command.add_argument("file", type=Path, metavar="FILE")
        command.add_argument("--cid", help="tenant of a bare rule set")
        command.add_argument("--warehouse", type=Path, help="DuckDB file (default: settings)")
        command.add_argument("--store", type=Path, help="segment store (default: settings)")
        command.set_defaults(handler=handler)
        return command

    rule_command("validate", "list every problem of segment or rule-set files", _validate, True)
    for name, help_text, handler in (
        ("compile", "print the SQL of a rule set", _compile),
        ("preview", "count and sample the contacts a rule set matches", _preview),
        ("explain", "why a contact is (or is not) matched, condition by condition", _explain),
    ):
        command = rule_command(name, help_text, handler)
        if name == "explain":
            command.add_argument("--contact", required=True, help="the contact id")
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
