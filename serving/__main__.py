"""``python -m serving``: serve the API on 127.0.0.1 (``make serve``);
``python -m serving token --cid C --user U``: print a development bearer token."""

from __future__ import annotations

import argparse
import sys

from serving.auth import Access, Scope, mint
from serving.config import DEV_SECRET, ServingSettings


def main(argv: list[str] | None = None) -> int:
    """Serve, or mint a token."""
    parser = argparse.ArgumentParser(prog="python -m serving", description=__doc__)
    commands = parser.add_subparsers(dest="command")
    token = commands.add_parser("token", help="print a bearer token signed with the API's secret")
    token.add_argument("--cid", help="the tenant id (default: the live snapshot's first tenant)")
    token.add_argument("--user", required=True, help="the user id")
    for scope in Scope:
        token.add_argument(
            f"--{scope.name.lower()}",
            choices=[a.value for a in Access],
            default=Access.ALL.value,
            help=f"{scope.value} (default all)",
        )
    token.add_argument("--customers", choices=["all", "owned"], default="all")
    args = parser.parse_args(argv)
    settings = ServingSettings.from_env()
    if args.command == "token":
        scopes = {scope: Access(getattr(args, scope.name.lower())) for scope in Scope}
        customers = Access(args.customers)
        cid = args.cid or _first_tenant(settings)
        print(mint(settings.secret, cid, args.user, scopes, customers))
        return 0
    return _serve(settings)


def _first_tenant(settings: ServingSettings) -> str:
    """The first tenant of the live snapshot (for a development token)."""
    import duckdb

    from segmentation import snapshot
    from segmentation.landing.sources import entity

    live = snapshot.current(settings.snapshots)
    if live is None:
        raise SystemExit("no snapshot is published yet: run `make run`, or give --cid")
    with duckdb.connect(str(live.path), read_only=True) as con:
        row = con.execute(f"SELECT min(cid) FROM {entity('tenants').relation}").fetchone()
    if row is None or row[0] is None:
        raise SystemExit("the live snapshot has no tenant: give --cid")
    print(f"tenant {row[0]}", file=sys.stderr)
    return row[0]


def _serve(settings: ServingSettings) -> int:
    import uvicorn

    from serving.app import create_app

    if settings.secret == DEV_SECRET:
        print(
            "Signing tokens with the development secret (set SEGMENTATION_API_SECRET in "
            "production). A token for a tenant:\n"
            "  .venv/bin/python -m serving token --user <user id> [--cid <tenant id>]\n"
            f"OpenAPI: http://{settings.host}:{settings.port}/docs",
            file=sys.stderr,
        )
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
