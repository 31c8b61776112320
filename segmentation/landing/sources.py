"""The landing contract: every CRM entity, its columns and the rules a row must pass.

One place describes each entity. The generator writes these columns, the loader
checks these rules (rejecting or repairing rows into the quarantine table), and the
great-expectations suite of each loaded table is derived from the same spec.

Timestamps (``*_at``) are naive UTC; dates are calendar dates; money is DECIMAL(18,2).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

RAW_SCHEMA = "raw"
"""Where the loader writes: the clean tables, the quarantine and the load log."""

EMAIL_PATTERN = r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$"
"""A deliberately plain email shape: one @, a dotted domain with a 2+ letter TLD."""

PHONE_PATTERN = r"^\+62[0-9]{8,13}$"
"""Indonesian mobile numbers in E.164 form (+62 then 8 to 13 digits)."""


@dataclass(frozen=True)
class Reference:
    """A column that must name an existing row of another entity of the same tenant."""

    column: str
    parent: str
    parent_column: str


@dataclass(frozen=True)
class Entity:
    """One landing dataset and the rules its rows must pass to reach the clean table."""

    name: str
    key: tuple[str, ...]
    columns: dict[str, str]
    """Column name -> DuckDB type of the clean table."""
    references: tuple[Reference, ...] = ()
    happened_at: tuple[str, ...] = ()
    """Timestamps of things that already happened: none may lie after the load time."""
    placed_at: str | None = None
    """The timestamp that places a record in time; a record without it is quarantined
    (it could never be counted on any day). Contacts have none: a contact with no
    creation time exists on every day."""
    known_values: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Columns with a known set of values, compared trimmed and case-insensitively. An
    unknown value (a new channel) keeps its row, as it is, and is recorded as a repair."""
    formats: dict[str, str] = field(default_factory=dict)
    """Column -> regex; a malformed value is set to NULL and kept in quarantine."""
    time_zones: tuple[str, ...] = ()
    """Columns naming an IANA time zone; an unknown zone is set to NULL (the default
    zone applies) and kept in quarantine."""
    version_by: tuple[str, ...] = ()
    """Timestamps that say which copy of a duplicated key is the latest version: the
    latest by the first, then the next... (NULL counts as oldest). Ties go to the later
    file name, then the later row of the file. The other copies are quarantined."""
    required: bool = False
    """An export of this entity with no rows is refused even on a first load: nothing
    works without it. (Any entity's empty export is refused after a good load with rows.)"""

    @property
    def table(self) -> str:
        """Name of the clean table in the ``raw`` schema."""
        return f"crm_{self.name}"

    @property
    def relation(self) -> str:
        """``raw.crm_<entity>``: the clean table, schema included."""
        return f"{RAW_SCHEMA}.{self.table}"

    @property
    def parents(self) -> tuple[str, ...]:
        """Entities this one refers to, which must be loaded first."""
        parents = {ref.parent for ref in self.references}
        return tuple(sorted(parents))


def _tenant_ref() -> Reference:
    return Reference("cid", "tenants", "cid")


def _contact_ref() -> Reference:
    return Reference("contact_id", "contacts", "contact_id")


ORDER_STATUSES = ("paid", "shipped", "completed", "cancelled", "refunded")
CAMPAIGN_RECIPIENT_STATUSES = ("sent", "delivered", "read", "replied", "failed")
MONEY = "DECIMAL(18,2)"

ENTITIES: tuple[Entity, ...] = (
    Entity(
        name="tenants",
        key=("cid",),
        columns={
            "cid": "VARCHAR",
            "name": "VARCHAR",
            "package_tier": "VARCHAR",
            "timezone": "VARCHAR",
        },
        known_values={"package_tier": ("plus", "ultimate", "360")},
        time_zones=("timezone",),
        required=True,
    ),
    Entity(
        name="users",
        key=("user_id",),
        columns={"cid": "VARCHAR", "user_id": "VARCHAR", "name": "VARCHAR"},
        references=(_tenant_ref(),),
    ),
    Entity(
        name="contacts",
        key=("contact_id",),
        columns={
            "cid": "VARCHAR",
            "contact_id": "VARCHAR",
            "full_name": "VARCHAR",
            "email": "VARCHAR",
            "phone": "VARCHAR",
            "job_title": "VARCHAR",
            "city": "VARCHAR",
            "address": "VARCHAR",
            "gender": "VARCHAR",
            "date_of_birth": "DATE",
            "source": "VARCHAR",
            "status": "VARCHAR",
            "owner_id": "VARCHAR",
            "created_at": "TIMESTAMP",
            "updated_at": "TIMESTAMP",
            "created_by": "VARCHAR",
            "updated_by": "VARCHAR",
            "whatsapp_consent": "BOOLEAN",
            "email_consent": "BOOLEAN",
            "consent_updated_at": "TIMESTAMP",
        },
        references=(_tenant_ref(),),
        happened_at=("created_at", "updated_at", "consent_updated_at"),
        known_values={"gender": ("male", "female")},
        formats={"email": EMAIL_PATTERN, "phone": PHONE_PATTERN},
        version_by=("updated_at",),
    ),
    Entity(
        name="custom_field_definitions",
        key=("field_id",),
        columns={
            "cid": "VARCHAR",
            "field_id": "VARCHAR",
            "name": "VARCHAR",
            "field_type": "VARCHAR",
            "options": "VARCHAR[]",
        },
        references=(_tenant_ref(),),
        known_values={
            "field_type": (
                "single_line_text",
                "text_area",
                "url",
                "dropdown_select",
                "multiple_select",
                "number",
                "percentage",
                "date",
                "boolean",
                "upload",
                "signature",
                "gps",
            )
        },
    ),
    Entity(
        name="custom_field_values",
        key=("contact_id", "field_id"),
        columns={
            "cid": "VARCHAR",
            "contact_id": "VARCHAR",
            "field_id": "VARCHAR",
            "value": "VARCHAR",
        },
        references=(
            _tenant_ref(),
            _contact_ref(),
            Reference("field_id", "custom_field_definitions", "field_id"),
        ),
    ),
    Entity(
        name="conversations",
        key=("conversation_id",),
        columns={
            "cid": "VARCHAR",
            "conversation_id": "VARCHAR",
            "contact_id": "VARCHAR",
            "channel": "VARCHAR",
            "status": "VARCHAR",
            "started_at": "TIMESTAMP",
            "resolved_at": "TIMESTAMP",
            "agent_id": "VARCHAR",
            "message_count": "INTEGER",
        },
        references=(_tenant_ref(), _contact_ref()),
        happened_at=("started_at", "resolved_at"),
        known_values={
            "channel": ("whatsapp", "instagram", "facebook", "email", "livechat", "telegram"),
            "status": ("open", "resolved"),
        },
        placed_at="started_at",
        version_by=("resolved_at", "started_at"),
    ),
    Entity(
        name="campaigns",
        key=("campaign_id",),
        columns={
            "cid": "VARCHAR",
            "campaign_id": "VARCHAR",
            "name": "VARCHAR",
            "channel": "VARCHAR",
            "sent_at": "TIMESTAMP",
        },
        references=(_tenant_ref(),),
        happened_at=("sent_at",),
        known_values={"channel": ("whatsapp", "email")},
        placed_at="sent_at",
        version_by=("sent_at",),
    ),
    Entity(
        name="campaign_recipients",
        key=("campaign_id", "contact_id"),
        columns={
            "cid": "VARCHAR",
            "campaign_id": "VARCHAR",
            "contact_id": "VARCHAR",
            "status": "VARCHAR",
            "status_at": "TIMESTAMP",
        },
        references=(
            _tenant_ref(),
            Reference("campaign_id", "campaigns", "campaign_id"),
            _contact_ref(),
        ),
        happened_at=("status_at",),
        known_values={"status": CAMPAIGN_RECIPIENT_STATUSES},
        version_by=("status_at",),
    ),
    Entity(
        name="companies",
        key=("company_id",),
        columns={
            "cid": "VARCHAR",
            "company_id": "VARCHAR",
            "name": "VARCHAR",
            "industry": "VARCHAR",
            "size": "VARCHAR",
        },
        references=(_tenant_ref(),),
    ),
    Entity(
        name="contact_companies",
        key=("contact_id", "company_id"),
        columns={"cid": "VARCHAR", "contact_id": "VARCHAR", "company_id": "VARCHAR"},
        references=(
            _tenant_ref(),
            _contact_ref(),
            Reference("company_id", "companies", "company_id"),
        ),
    ),
    Entity(
        name="deals",
        key=("deal_id",),
        columns={
            "cid": "VARCHAR",
            "deal_id": "VARCHAR",
            "contact_id": "VARCHAR",
            "pipeline": "VARCHAR",
            "stage": "VARCHAR",
            "status": "VARCHAR",
            "amount": MONEY,
            "created_at": "TIMESTAMP",
            "closed_at": "TIMESTAMP",
        },
        references=(_tenant_ref(), _contact_ref()),
        happened_at=("created_at", "closed_at"),
        known_values={"status": ("open", "won", "lost")},
        placed_at="created_at",
        version_by=("closed_at", "created_at"),
    ),
    Entity(
        name="tickets",
        key=("ticket_id",),
        columns={
            "cid": "VARCHAR",
            "ticket_id": "VARCHAR",
            "contact_id": "VARCHAR",
            "status": "VARCHAR",
            "priority": "VARCHAR",
            "category": "VARCHAR",
            "created_at": "TIMESTAMP",
            "resolved_at": "TIMESTAMP",
        },
        references=(_tenant_ref(), _contact_ref()),
        happened_at=("created_at", "resolved_at"),
        known_values={
            "status": ("open", "pending", "resolved", "closed"),
            "priority": ("low", "medium", "high", "urgent"),
        },
        placed_at="created_at",
        version_by=("resolved_at", "created_at"),
    ),
    Entity(
        name="orders",
        key=("order_id",),
        columns={
            "cid": "VARCHAR",
            "order_id": "VARCHAR",
            "contact_id": "VARCHAR",
            "amount": MONEY,
            "status": "VARCHAR",
            "ordered_at": "TIMESTAMP",
        },
        references=(_tenant_ref(), _contact_ref()),
        happened_at=("ordered_at",),
        known_values={"status": ORDER_STATUSES},
        placed_at="ordered_at",
        version_by=("ordered_at",),
    ),
    Entity(
        name="loyalty_members",
        key=("contact_id",),
        columns={
            "cid": "VARCHAR",
            "contact_id": "VARCHAR",
            "tier": "VARCHAR",
            "points_balance": "BIGINT",
            "joined_at": "TIMESTAMP",
            "last_transaction_at": "TIMESTAMP",
        },
        references=(_tenant_ref(), _contact_ref()),
        happened_at=("joined_at", "last_transaction_at"),
        known_values={"tier": ("Bronze", "Silver", "Gold", "Platinum")},
        placed_at="joined_at",
        version_by=("last_transaction_at", "joined_at"),
    ),
)

_ARROW_TYPES = {
    "VARCHAR": pa.string(),
    "TIMESTAMP": pa.timestamp("us"),
    "DATE": pa.date32(),
    "BOOLEAN": pa.bool_(),
    "INTEGER": pa.int32(),
    "BIGINT": pa.int64(),
    MONEY: pa.decimal128(18, 2),
    "VARCHAR[]": pa.list_(pa.string()),
}


def arrow_schema(spec: Entity) -> pa.Schema:
    """The Arrow schema of an entity's landing file, as a CRM export types it."""
    return pa.schema([(c, _ARROW_TYPES[t]) for c, t in spec.columns.items()])


ENTITIES_BY_NAME: dict[str, Entity] = {entity.name: entity for entity in ENTITIES}


def entity(name: str) -> Entity:
    """The entity called ``name``; a clear error names the known ones otherwise."""
    try:
        return ENTITIES_BY_NAME[name]
    except KeyError:
        known = ", ".join(ENTITIES_BY_NAME)
        raise KeyError(f"unknown entity {name!r}; known entities: {known}") from None
