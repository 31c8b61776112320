"""The field catalog: every field a segment condition can use, read from ``catalog.yaml``.

The catalog is data. Validation, the SQL compiler, the reference evaluator, the API's
field palette and the docs all read it through :func:`load_catalog`; nothing else
names a mart column that a condition can filter on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict, model_validator


class FieldType(StrEnum):
    """The CRM's field types."""

    SINGLE_LINE_TEXT = "single_line_text"
    TEXT_AREA = "text_area"
    URL = "url"
    DROPDOWN_SELECT = "dropdown_select"
    MULTIPLE_SELECT = "multiple_select"
    NUMBER = "number"
    PERCENTAGE = "percentage"
    DATE = "date"
    BOOLEAN = "boolean"
    UPLOAD = "upload"
    SIGNATURE = "signature"
    GPS = "gps"


class Category(StrEnum):
    """Where a field comes from, as the segment builder groups them."""

    DEFAULT = "default"
    CUSTOM_QONTAK = "custom_qontak"
    CUSTOM = "custom"
    EVENT = "event"
    CONSENT = "consent"
    LOYALTY = "loyalty"
    ASSOCIATION = "association"
    METRIC = "metric"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Field(_Frozen):
    """A contact-level field: one column of a contact-grain mart."""

    id: str
    label: str
    category: Category
    field_type: FieldType
    table: str
    column: str
    group: str | None = None
    """Metric group (Communication, Service, Sales, ...); metrics only."""
    options: tuple[str, ...] | None = None
    """Closed set of values, where the CRM has one for every tenant."""


class AssociationField(_Frozen):
    """A field of an associated record (a conversation, a deal...), for sub-filters."""

    id: str
    label: str
    field_type: FieldType
    column: str
    options: tuple[str, ...] | None = None


class Association(_Frozen):
    """Records associated with contacts: many rows per contact in ``table``."""

    id: str
    label: str
    table: str
    date_field: str | None
    """The field a time window ("in the last N days") applies to; None: no window."""
    fields: tuple[AssociationField, ...]

    @model_validator(mode="after")
    def _date_field_is_a_date(self) -> Association:
        if self.date_field is not None:
            field = self.field(self.date_field)
            if field.field_type is not FieldType.DATE:
                raise ValueError(f"date_field {self.date_field!r} of {self.id!r} is not a date")
        return self

    def field(self, field_id: str) -> AssociationField:
        """The sub-field called ``field_id``."""
        return _by_id(self.fields, field_id, f"association {self.id!r} has no field")


class CustomFields(_Frozen):
    """Where a tenant's own fields live: their definitions, and their values (one row per
    contact and field, typed)."""

    definitions: str
    table: str
    field_id_column: str
    value_columns: dict[FieldType, str]
    """Field type -> the typed value column holding it."""


@dataclass(frozen=True)
class CustomField:
    """A tenant's own field, as defined in the CRM (read from the warehouse)."""

    cid: str
    field_id: str
    name: str
    field_type: FieldType | None
    """None for a type the CRM has and this engine does not know (kept, not filterable)."""


def custom_field_names(fields: Mapping[str, CustomField], cid: str) -> dict[str, str]:
    """Tenant ``cid``'s custom field names by field id (for rule sets in words)."""
    return {f.field_id: f.name for f in fields.values() if f.cid == cid}


class Catalog(_Frozen):
    """The whole catalog; see ``catalog.yaml`` for the data."""

    version: int
    profile: str
    """The mart with one row per contact that exists on the day: it drives every query."""
    membership: str
    """The membership history (segment_id, cid, contact_id, valid_from, valid_to) that
    segment conditions read."""
    fields: tuple[Field, ...]
    associations: tuple[Association, ...]
    custom: CustomFields
    not_filterable: dict[str, tuple[str, ...]]
    """Mart table -> columns that are keys or bookkeeping, never condition fields."""

    @model_validator(mode="after")
    def _ids_are_unique(self) -> Catalog:
        ids = [f.id for f in self.fields] + [a.id for a in self.associations]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate field ids in the catalog: {duplicates}")
        return self

    def field(self, field_id: str) -> Field:
        """The contact-level field called ``field_id``."""
        return _by_id(self.fields, field_id, "the catalog has no field")

    def association(self, association_id: str) -> Association:
        """The association called ``association_id``."""
        return _by_id(self.associations, association_id, "the catalog has no association")

    def tables(self) -> set[str]:
        """Every mart table a condition can read."""
        return (
            {self.profile}
            | {f.table for f in self.fields}
            | {a.table for a in self.associations}
            | {self.custom.table}
        )


def _by_id(items, item_id: str, missing: str):
    """The item whose ``id`` is ``item_id``; KeyError saying what is missing otherwise."""
    for item in items:
        if item.id == item_id:
            return item
    raise KeyError(f"{missing} {item_id!r}")


@cache
def load_catalog() -> Catalog:
    """The packaged catalog, parsed and validated once per process."""
    text = resources.files("segmentation.rules").joinpath("catalog.yaml").read_text()
    return Catalog.model_validate(yaml.safe_load(text))
