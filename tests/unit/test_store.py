"""The segment store: one validation for every reader, problems between files included."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from segmentation.daily.store import StoreContext, read_store, validate_files
from segmentation.limits import Limits
from tests.helpers import segment, store

NOW = datetime(2026, 11, 25, 8, tzinfo=UTC)


def problems(root: Path, context: StoreContext | None = None) -> dict[str, set[str]]:
    return {
        f"{item.path.parent.name}/{item.path.stem}": {i.code for i in item.issues}
        for item in read_store(root, context)
    }


def test_two_files_claiming_one_id_are_both_invalid_and_name_each_other(tmp_path: Path) -> None:
    root = store(tmp_path, **{"t1/a": segment("s1", "A"), "t1/b": segment("s1", "B"),
                              "t1/c": segment("s2", "C")})  # fmt: skip
    found = {f"{i.path.stem}": i for i in read_store(root)}
    assert [found[k].valid for k in "abc"] == [False, False, True]
    (issue,) = found["a"].issues
    assert (issue.code, issue.pointer) == ("duplicate_segment_id", "/id")
    assert "t1/b.json" in issue.message
    assert "t1/a.json" in found["b"].issues[0].message


def test_a_name_used_twice_in_a_tenant_is_reported_without_stopping_either(tmp_path) -> None:
    root = store(tmp_path, **{"t1/a": segment("s1", "Big spenders"),
                              "t1/b": segment("s2", " big spenders"),
                              "t2/c": segment("s3", "Big spenders", cid="t2")})  # fmt: skip
    found = {i.path.stem: i for i in read_store(root)}
    assert all(item.valid for item in found.values())
    assert [w.code for w in found["a"].warnings] == ["duplicate_segment_name"]
    assert found["c"].warnings == ()  # another tenant may use the name


def test_segments_that_would_never_be_computed_are_problems(tmp_path: Path) -> None:
    root = store(
        tmp_path,
        **{
            "t1/future": segment("s1", "F", updated_at="2027-01-01T00:00:00Z"),
            "t9/nobody": segment("s2", "N", cid="t9"),
            "t1/backwards": segment("s3", "B", created_at="2026-11-02T00:00:00Z"),
        },
    )
    assert problems(root, StoreContext(tenants=frozenset({"t1"}), now=NOW)) == {
        "t1/future": {"timestamp_in_future"},
        "t9/nobody": {"unknown_tenant"},
        "t1/backwards": {"updated_before_created"},
    }


def test_sizes_are_limited_by_settings(tmp_path: Path) -> None:
    long_value = {"groups": [{"conditions": [
        {"type": "field", "field": "city", "operator": "is", "value": "x" * 501}]}]}  # fmt: skip
    root = store(tmp_path, **{"t1/long": segment("s1", "L", rule_set=long_value),
                              "t1/big": segment("s2", "B", description="d" * 200)})  # fmt: skip
    limits = Limits(max_file_bytes=300)
    assert problems(root, StoreContext(limits=limits)) == {
        "t1/long": {"file_too_large"},
        "t1/big": {"file_too_large"},
    }
    assert problems(root) == {"t1/long": {"value_too_long"}, "t1/big": set()}
    assert Limits.from_env({"SEGMENTATION_LIMIT_MAX_TEXT_LENGTH": "600"}).max_text_length == 600


def test_the_model_is_as_strict_as_the_published_schema(tmp_path: Path) -> None:
    """Why: "2" where the schema says integer, or a naive timestamp, used to be accepted."""
    counted = {
        "groups": [
            {
                "conditions": [
                    {
                        "type": "association",
                        "association": "tickets",
                        "count": {"operator": "at_least", "value": "2"},
                    }
                ]
            }
        ]
    }
    root = store(
        tmp_path,
        **{
            "t1/text_count": segment("s1", "A", rule_set=counted),
            "t1/naive": segment("s2", "B", created_at="2026-11-01T09:00:00"),
            "t1/date_only": segment("s3", "C", updated_at="2026-11-01"),
            "t1/fine": segment("s4", "D"),
        },
    )  # fmt: skip
    assert problems(root) == {
        "t1/text_count": {"wrong_value_type"},
        "t1/naive": {"invalid_segment"},
        "t1/date_only": {"invalid_segment"},
        "t1/fine": set(),
    }


def test_every_file_is_reported_even_after_an_unreadable_one(tmp_path: Path) -> None:
    root = store(tmp_path, **{"t1/a_broken": "{not json", "t1/b_fine": segment("s1", "B")})
    (tmp_path / "t1" / "c_binary.json").write_bytes(b"\xff\xfe")
    assert problems(root) == {
        "t1/a_broken": {"invalid_json"},
        "t1/b_fine": set(),
        "t1/c_binary": {"invalid_json"},
    }


def test_a_new_file_is_checked_against_the_store_it_will_join(tmp_path: Path) -> None:
    root = store(tmp_path / "store", **{"t1/a": segment("s1", "A")})
    draft = tmp_path / "draft.json"
    draft.write_text(json.dumps(segment("s1", "Copy of A")))
    (item,) = validate_files([draft], root)
    assert [i.code for i in item.issues] == ["duplicate_segment_id"]
    (kept,) = validate_files([root / "t1" / "a.json"], root)
    assert [i.code for i in kept.issues] == []  # only a file in the store: no claim


def uses(*segment_ids: str, operator: str = "is_in") -> dict:
    """A rule set of one condition on each of ``segment_ids``."""
    conditions = [{"type": "segment", "segment_id": s, "operator": operator} for s in segment_ids]
    return {"groups": [{"conditions": conditions}]}


def test_segment_conditions_name_active_segments_of_the_tenant(tmp_path: Path) -> None:
    root = store(
        tmp_path,
        **{
            "t1/base": segment("s1", "Base"),
            "t1/old": segment("s2", "Old", status="archived"),
            "t2/theirs": segment("s3", "Theirs", cid="t2"),
            "t1/good": segment("s4", "Good", rule_set=uses("s1")),
            "t1/archived": segment("s5", "On archived", rule_set=uses("s2")),
            "t1/foreign": segment("s6", "On foreign", rule_set=uses("s3")),
            "t1/unknown": segment("s7", "On unknown", rule_set=uses("nope")),
        },
    )
    assert problems(root) == {
        "t1/base": set(), "t1/old": set(), "t2/theirs": set(), "t1/good": set(),
        "t1/archived": {"archived_segment"},
        "t1/foreign": {"segment_of_another_tenant"},
        "t1/unknown": {"unknown_segment"},
    }  # fmt: skip
    (issue,) = {i.path.stem: i for i in read_store(root)}["foreign"].issues
    assert issue.pointer == "/rule_set/groups/0/conditions/0/segment_id"


def test_a_cycle_of_segments_is_refused_naming_its_path(tmp_path: Path) -> None:
    root = store(
        tmp_path,
        **{
            "t1/a": segment("a", "A", rule_set=uses("b")),
            "t1/b": segment("b", "B", rule_set=uses("c")),
            "t1/c": segment("c", "C", rule_set=uses("a")),
            "t1/self": segment("d", "D", rule_set=uses("d", operator="is_not_in")),
            "t1/outside": segment("e", "E", rule_set=uses("a")),
        },
    )
    found = {i.path.stem: i for i in read_store(root)}
    assert {k: [i.code for i in v.issues] for k, v in found.items()} == {
        "a": ["segment_cycle"], "b": ["segment_cycle"], "c": ["segment_cycle"],
        "self": ["segment_cycle"], "outside": [],
    }  # fmt: skip
    assert "'A' (a) → 'B' (b) → 'C' (c) → 'A' (a)" in found["a"].issues[0].message


def test_a_new_file_closing_a_cycle_is_refused_before_it_joins(tmp_path: Path) -> None:
    root = store(tmp_path / "store", **{"t1/a": segment("a", "A", rule_set=uses("c"))})
    draft = store(tmp_path / "drafts", **{"t1/c": segment("c", "C", rule_set=uses("a"))})
    (item,) = validate_files([draft / "t1" / "c.json"], root)
    assert [i.code for i in item.issues] == ["segment_cycle"]
    assert "'C' (c) → 'A' (a) → 'C' (c)" in item.issues[0].message
