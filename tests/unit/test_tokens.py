"""Bearer tokens: what `python -m serving token` mints is what the API accepts, and a
token that is expired, forged or of an unknown shape is refused saying why."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest

from serving.__main__ import main
from serving.auth import Access, InvalidToken, Scope, decode, mint
from serving.config import DEV_SECRET

SECRET = "a-secret-of-at-least-thirty-two-bytes!"


def test_the_token_command_mints_what_the_api_accepts(capsys: pytest.CaptureFixture) -> None:
    assert main(["token", "--cid", "t1", "--user", "u1", "--view", "owned"]) == 0
    caller = decode(DEV_SECRET, capsys.readouterr().out.strip())
    assert (caller.cid, caller.user_id) == ("t1", "u1")
    assert caller.access(Scope.VIEW) is Access.OWNED
    assert caller.access(Scope.MANAGE) is Access.ALL


def test_a_missing_scope_is_disabled() -> None:
    caller = decode(SECRET, mint(SECRET, "t1", "u1", {Scope.ADD: Access.ALL}))
    assert caller.access(Scope.ADD) is Access.ALL
    assert caller.access(Scope.ARCHIVE) is Access.DISABLED


@pytest.mark.parametrize(
    ("token", "message"),
    [
        (mint(SECRET, "t1", "u1", lifetime=timedelta(seconds=-1)), "expired"),
        (mint("another-secret-of-thirty-two-bytes!!", "t1", "u1"), "not valid"),
        (jwt.encode({"cid": "t1", "user_id": "u1", "exp": 4102444800,
                     "scopes": {"customers_segment_view": "sometimes"}}, SECRET), "scope"),
        (jwt.encode({"cid": "", "user_id": "u1", "exp": 4102444800}, SECRET), "cid"),
        ("not-a-token", "not valid"),
    ],
)  # fmt: skip
def test_a_bad_token_is_refused_saying_why(token: str, message: str) -> None:
    with pytest.raises(InvalidToken, match=message):
        decode(SECRET, token)
