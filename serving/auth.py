"""Who is calling: a bearer token (HS256) naming the tenant, the user and their scopes.

The token's claims::

    {"cid": "<tenant>", "user_id": "<user>",
     "scopes": {"customers_segment_view": "all" | "owned" | "disabled",
                "customers_segment_add": ..., "customers_segment_manage": ...,
                "customers_segment_archived": ...},
     "customers_view": "all" | "owned",
     "iat": ..., "exp": ...}

A scope missing from the token is ``disabled``; ``customers_view`` says whether the
caller sees every contact of the tenant or only those they own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import jwt

ALGORITHM = "HS256"


class Access(StrEnum):
    """How far a scope reaches."""

    ALL = "all"
    OWNED = "owned"
    DISABLED = "disabled"


class Scope(StrEnum):
    """The segment permissions of the product's permission table."""

    VIEW = "customers_segment_view"
    ADD = "customers_segment_add"
    MANAGE = "customers_segment_manage"
    ARCHIVE = "customers_segment_archived"


class InvalidToken(ValueError):
    """The token is missing, malformed, expired or not signed with the API's secret."""


@dataclass(frozen=True)
class Caller:
    """The tenant, user and permissions a request acts with."""

    cid: str
    user_id: str
    scopes: Mapping[Scope, Access] = field(default_factory=dict)
    customers_view: Access = Access.ALL

    def access(self, scope: Scope) -> Access:
        """How far ``scope`` reaches for this caller."""
        return self.scopes.get(scope, Access.DISABLED)


def mint(
    secret: str,
    cid: str,
    user_id: str,
    scopes: Mapping[Scope, Access] | None = None,
    customers_view: Access = Access.ALL,
    lifetime: timedelta = timedelta(hours=12),
) -> str:
    """A signed token for ``user_id`` of tenant ``cid``; every scope ``all`` by default."""
    now = datetime.now(UTC)
    granted = scopes if scopes is not None else dict.fromkeys(Scope, Access.ALL)
    claims = {
        "cid": cid,
        "user_id": user_id,
        "scopes": {str(s): str(a) for s, a in granted.items()},
        "customers_view": str(customers_view),
        "iat": now,
        "exp": now + lifetime,
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def decode(secret: str, token: str) -> Caller:
    """The caller a token names; :class:`InvalidToken` saying why it is refused."""
    try:
        claims = jwt.decode(
            token, secret, algorithms=[ALGORITHM], options={"require": ["exp", "cid", "user_id"]}
        )
    except jwt.ExpiredSignatureError:
        raise InvalidToken("the token has expired: sign in again") from None
    except jwt.InvalidTokenError as error:
        raise InvalidToken(f"the token is not valid: {error}") from None
    cid, user_id = claims.get("cid"), claims.get("user_id")
    if not isinstance(cid, str) or not cid or not isinstance(user_id, str) or not user_id:
        raise InvalidToken("the token must carry a non-empty cid and user_id")
    return Caller(cid, user_id, _scopes(claims.get("scopes")), _customers(claims))


def _scopes(raw: object) -> dict[Scope, Access]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise InvalidToken("the token's scopes must be an object of scope -> access")
    scopes = {}
    for name, value in raw.items():
        try:
            scopes[Scope(name)] = Access(value)
        except ValueError:
            raise InvalidToken(
                f"the token's scope {name!r}={value!r} is not one of "
                f"{[s.value for s in Scope]} with access all, owned or disabled"
            ) from None
    return scopes


def _customers(claims: Mapping[str, object]) -> Access:
    value = claims.get("customers_view", Access.ALL.value)
    if value not in (Access.ALL, Access.OWNED):
        raise InvalidToken(f"the token's customers_view {value!r} must be 'all' or 'owned'")
    return Access(value)
