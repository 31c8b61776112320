"""The Python model reads documents exactly as strictly as the published JSON Schemas.

Clients validate against ``segment_defs/*.schema.json``; the engine reads with the
pydantic model. Both must give every document the same verdict, or a client's "valid"
file is refused (or worse, a file the schema refuses is computed).
"""

from __future__ import annotations

import json

import jsonschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from segmentation.rules.model import RuleSet, Segment
from segmentation.rules.schema import SEGMENT_DEFS
from segmentation.rules.validate import strict

SCALARS = (
    st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from([2.0, 2.5, -1.0, 1e3])
    | st.text(max_size=3)
)  # fmt: skip


def mostly(good: list, bad: list) -> st.SearchStrategy:
    """One of ``good`` nine times in ten, else one of ``bad``."""
    return st.integers(0, 9).flatmap(lambda i: st.sampled_from(good if i else bad))


STAMPS = mostly(
    ["2026-11-01T09:00:00Z", "2026-11-01T09:00:00.123+07:00"],
    ["2026-11-01T09:00:00", "2026-11-01", "2026-13-01T09:00:00Z", "2026-02-30T09:00:00Z",
     "2026-11-01 09:00:00Z", "2026-11-01t09:00:00z", "2026-11-01T24:00:00Z", 1730451600],
)  # fmt: skip


@st.composite
def objects(draw, fields: dict[str, st.SearchStrategy]) -> dict:
    """An object of ``fields``: mostly whole and well-formed; sometimes a field missing,
    a value replaced by any scalar, or a key the model does not know."""
    names = sorted(fields)
    if draw(st.integers(0, 29)) == 0:
        names.remove(draw(st.sampled_from(names)))
    document = {}
    for name in names:
        broken = draw(st.integers(0, 49)) == 0
        document[name] = draw(SCALARS if broken else fields[name])
    if draw(st.integers(0, 29)) == 0:
        document["unexpected"] = draw(SCALARS)
    return document


def conditions() -> st.SearchStrategy:
    count = objects({"operator": mostly(["at_least", "exactly"], ["most"]),
                     "value": mostly([0, 1, 3], [2.0, "2", True, -1.5])})  # fmt: skip
    window = objects({"last_days": st.integers(1, 30), "field": st.sampled_from(["sent_at"])})
    sub_filter = objects({"field": st.just("channel"), "operator": st.just("is_any_of"),
                          "value": st.just(["whatsapp"])})  # fmt: skip
    return st.one_of(
        objects({"type": st.just("field"), "field": st.just("city"),
                 "operator": st.just("is"), "value": st.just("Jakarta")}),
        objects({"type": st.just("custom_field"), "field_id": st.just("f1"),
                 "operator": st.just("is_empty")}),
        objects({"type": st.just("segment"), "segment_id": st.just("s1"),
                 "operator": st.just("entered_in_last_days"), "value": st.just(7)}),
        objects({"type": mostly(["association"], ["segment", "Association"]),
                 "association": st.just("tickets"), "where": st.lists(sub_filter, max_size=2),
                 "count": count, "window": window}),
    )  # fmt: skip


def rule_sets() -> st.SearchStrategy:
    group = objects({"match": mostly(["all", "any"], ["some", "ALL"]),
                     "conditions": st.lists(conditions(), max_size=3)})  # fmt: skip
    return objects({"version": mostly([1, 1.0], [2.5, "1", None]),
                    "match": st.sampled_from(["all", "any"]),
                    "groups": st.lists(group, max_size=2)})  # fmt: skip


def segments() -> st.SearchStrategy:
    return objects({
        "id": st.just("s1"), "cid": st.just("t1"),
        "name": mostly(["Big spenders", "x" * 60], ["", "x" * 61]),
        "description": mostly(["", "d" * 250], ["d" * 251]),
        "status": mostly(["active", "archived"], ["deleted"]),
        "owner_id": st.none() | st.just("u1"),
        "created_at": STAMPS, "updated_at": STAMPS, "rule_set": rule_sets(),
    })  # fmt: skip


def verdicts(model, schema_file: str, document) -> tuple[bool, bool]:
    schema = json.loads((SEGMENT_DEFS / schema_file).read_text())
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    try:
        strict(model, document)
        by_model = True
    except ValidationError:
        by_model = False
    return validator.is_valid(document), by_model


SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(document=rule_sets())
def test_rule_sets_get_the_same_verdict_from_the_schema_and_the_model(document) -> None:
    by_schema, by_model = verdicts(RuleSet, "ruleset.schema.json", document)
    assert by_schema == by_model, json.dumps(document)


@SETTINGS
@given(document=segments())
def test_segments_get_the_same_verdict_from_the_schema_and_the_model(document) -> None:
    by_schema, by_model = verdicts(Segment, "segment.schema.json", document)
    assert by_schema == by_model, json.dumps(document)
