"""The request and response bodies of the API, as its OpenAPI document publishes them."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, JsonValue


class Status(StrEnum):
    """A segment's status."""

    ACTIVE = "active"
    ARCHIVED = "archived"


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SegmentCreate(_Body):
    """A new segment; the tenant and owner come from the token."""

    name: str = Field(min_length=1, max_length=60)
    description: str = Field(default="", max_length=250)
    rule_set: JsonValue = Field(description="The rule set (see the rule set JSON Schema).")


class SegmentEdit(_Body):
    """What an edit may change; omitted fields stay as they are."""

    name: str | None = Field(default=None, min_length=1, max_length=60)
    description: str | None = Field(default=None, max_length=250)
    rule_set: JsonValue = None


class PreviewIn(_Body):
    """An unsaved rule set to preview."""

    rule_set: JsonValue


class SegmentOut(BaseModel):
    """A stored segment with its rule set and the ETag to send back when editing it."""

    id: str
    name: str
    description: str
    status: Status
    owner_id: str | None
    created_at: datetime
    updated_at: datetime
    rule_set: dict[str, Any]
    etag: str


class SegmentSummary(BaseModel):
    """A row of the segment list."""

    id: str
    name: str
    description: str
    status: Status
    owner_id: str | None
    created_at: datetime
    updated_at: datetime
    total_matched: int | None = Field(description="On the latest computed day; None before.")
    last_updated: datetime | None


class PageMeta(BaseModel):
    """Which page this is and how many rows there are in all."""

    page: int
    per_page: int
    total: int


class SegmentList(BaseModel):
    """A page of segments, newest first."""

    data: list[SegmentSummary]
    meta: PageMeta


class Version(BaseModel):
    """One stored version of a segment."""

    version: int
    etag: str
    updated_at: str | None
    name: str | None
    status: str | None
    rule_set: JsonValue
    rule_set_version: str = Field(description="The hash the daily stats record for it.")


class VersionList(BaseModel):
    """Every version of a segment, oldest first."""

    data: list[Version]


class VersionDiff(BaseModel):
    """What changed between two versions of a segment, in words."""

    segment_id: str
    from_version: int
    to_version: int
    changes: list[str]


class SampleContact(BaseModel):
    """One matched contact of a preview."""

    contact_id: str
    name: str | None
    source: str | None
    last_activity: date | None


class PreviewOut(BaseModel):
    """How many contacts a rule set matches, of how many, as of which day."""

    total_matched: int
    total_customer_base: int
    as_of: date
    sample: list[SampleContact] = Field(max_length=10)


class Reachability(BaseModel):
    """Matched contacts reachable on each channel, as counts and % of the matched."""

    whatsapp: int
    whatsapp_pct: float | None
    email: int
    email_pct: float | None


class MatchedCustomer(BaseModel):
    """A row of the matched-customers table."""

    contact_id: str
    name: str | None
    source: str | None
    last_activity: date | None
    added_by_id: str | None
    added_by: str | None


class MatchedCustomers(BaseModel):
    """A page of matched customers."""

    data: list[MatchedCustomer]
    meta: PageMeta


class DetailOut(SegmentSummary):
    """The Overview tab."""

    rule_summary: str
    total_customer_base: int | None
    percentage_reach: float | None
    last_computed_on: date | None
    rule_set_version: str | None
    data_as_of: date
    reachability: Reachability | None = Field(description="None for an archived segment.")
    customers: MatchedCustomers


class ConditionVerdict(BaseModel):
    """One condition: its place, in words, its verdict and the value that decided it."""

    pointer: str
    summary: str
    holds: bool
    value: JsonValue = Field(
        description="The field's value, the number of matching records, or their aggregate."
    )


class GroupVerdict(BaseModel):
    """One group's verdict and its conditions'."""

    holds: bool
    match: str
    conditions: list[ConditionVerdict]


class ExplainOut(BaseModel):
    """Why a contact is or is not in a segment on a day."""

    segment_id: str
    contact_id: str
    as_of: date
    matched: bool
    match: str
    groups: list[GroupVerdict]


class GrowthPoint(BaseModel):
    """One computed day of the growth line."""

    day: date
    total_matched: int
    entered: int
    exited: int
    percentage_reach: float | None
    rule_set_version: str | None = Field(description="The rule set's hash that day.")


class Bucket(BaseModel):
    """One bar of a distribution."""

    bucket: str
    contacts: int


class PerformanceOut(BaseModel):
    """The Performance tab over a time filter."""

    date_from: date
    date_to: date
    growth: list[GrowthPoint]
    distributions_on: date | None
    distributions: dict[str, list[Bucket]]


class Channels(BaseModel):
    """Audience size by channel."""

    whatsapp: int
    email: int


class ReachabilityOut(BaseModel):
    """The send-campaign sidebar's numbers."""

    segment_id: str
    status: Status
    total_matched: int
    channels: Channels


class FieldPalette(BaseModel):
    """The rule builder's fields, custom fields, associations and operators."""

    categories: list[str]
    fields: list[dict[str, Any]]
    custom_fields: list[dict[str, Any]]
    associations: list[dict[str, Any]]
    count_operators: list[str]
    aggregate_functions: list[str]
    aggregate_operators: list[str]
    segments: list[dict[str, str]]
    segment_operators: dict[str, dict[str, str]]
    operators: dict[str, dict[str, str]]


class ErrorDetail(BaseModel):
    """One problem, where it is."""

    code: str
    pointer: str
    message: str


class Error(BaseModel):
    """The error."""

    code: str
    message: str
    details: list[ErrorDetail]


class ErrorBody(BaseModel):
    """Every error's body."""

    error: Error


ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody}
    for status in (401, 403, 404, 409, 412, 413, 422, 428, 429, 503, 504)
}
