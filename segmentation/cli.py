"""The ``segmentation`` command: tools of the core library for a terminal.

segmentation generate --tenants 10 --contacts-per-tenant 100000 --end-date 2026-11-25
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from segmentation.settings import Settings
from segmentation.synthetic.generator import GeneratorConfig, generate


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
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``segmentation`` console script."""
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
