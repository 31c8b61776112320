"""A deterministic synthetic CRM: every landing entity, realistic values, some dirt.

Given the same :class:`GeneratorConfig` the output is identical byte for byte, at any
scale: each entity draws from its own random stream seeded by ``(seed, entity)``, so a
change to one entity's generation leaves the others untouched. Arrays are generated
with numpy and assembled with polars, so 1M contacts and 20M activity rows take
minutes, not hours.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow.parquet as pq

from segmentation.landing import sources
from tools.synthetic import dirt
from tools.synthetic import vocabulary as vocab
from tools.synthetic.draws import between, blank_out, pick, timestamps, uuids

DAY = 86_400
USERS_PER_TENANT = 8


@dataclass(frozen=True)
class GeneratorConfig:
    """What to generate. Everything else follows from these values."""

    end_date: date
    """The export day: the export is taken at 00:00 UTC that day (07:00 in Jakarta, just
    before the 08:00 run), and all clean activity happens before it."""
    seed: int = 42
    tenants: int = 3
    contacts_per_tenant: int = 4_000
    history_days: int = 730
    dirty_rate: float = 0.01
    """Share of rows per entity given each applicable kind of dirt."""
    conversations_per_contact: float = 7.0
    campaigns_per_contact: float = 8.0
    orders_per_buyer: float = 5.0
    deals_per_contact: float = 0.8
    tickets_per_contact: float = 1.2

    @property
    def end_ts(self) -> int:
        """Epoch seconds at which the export was taken (00:00 UTC of ``end_date``)."""
        moment = datetime.combine(self.end_date, datetime.min.time(), UTC)
        return int(moment.timestamp()) - 1

    @property
    def start_ts(self) -> int:
        """Epoch seconds of the earliest contact creation."""
        return self.end_ts - self.history_days * DAY


@dataclass
class _Tenants:
    cids: np.ndarray
    timezones: np.ndarray
    user_ids: np.ndarray  # shape (tenants, USERS_PER_TENANT)


@dataclass
class _Contacts:
    cid: np.ndarray
    tenant: np.ndarray
    contact_id: np.ndarray
    created: np.ndarray  # epoch seconds


@dataclass
class _Context:
    config: GeneratorConfig
    tenants: _Tenants
    contacts: _Contacts
    log: dirt.DirtLog

    def dirty(self, frame, rng, entity: str, timestamp_column: str | None) -> pl.DataFrame:
        return dirt.activity(frame, rng, self.config, self.log, entity, timestamp_column)


Progress = Callable[[str], None]


@dataclass(frozen=True)
class GenerationResult:
    """Rows written per entity, and the dirt injected per entity and kind."""

    rows: dict[str, int]
    dirt: dict[str, dict[str, int]]


MANIFEST = "_generation.json"


class LandingNotOurs(RuntimeError):
    """The landing folder holds files the generator did not write: it leaves them alone."""


def generate(
    config: GeneratorConfig, landing_dir: Path, progress: Progress | None = None
) -> GenerationResult:
    """Write one Parquet dataset per entity under ``landing_dir``, and a manifest.

    The generator writes only into its own folder: an empty or missing one, or one it
    wrote before (it has the manifest), where it replaces the files it wrote and no
    other. A folder of real exports is refused with :class:`LandingNotOurs`.
    """
    landing_dir = Path(landing_dir)
    _claim(landing_dir)
    writer = _Writer(landing_dir, progress or (lambda _message: None))
    log = dirt.DirtLog()

    tenants = _tenants(config, _rng(config, "tenants"))
    writer.write("tenants", tenants.frame)
    writer.write("users", _users(tenants.state, _rng(config, "users")))
    contacts, contacts_frame = _contacts(config, tenants.state, _rng(config, "contacts"), log)
    writer.write("contacts", contacts_frame)

    ctx = _Context(config, tenants.state, contacts, log)
    for name, build in _ACTIVITY_BUILDERS:
        for entity, frame in build(ctx, _rng(config, name)):
            writer.write(entity, frame)
    result = GenerationResult(rows=writer.rows, dirt=log.as_dict())
    manifest = {"config": _config_json(config), **asdict(result), "files": writer.files}
    (landing_dir / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return result


def _claim(landing_dir: Path) -> None:
    """Make ``landing_dir`` ours: create it, or remove what we wrote there before. A
    folder holding anything else is left untouched and refused."""
    manifest = landing_dir / MANIFEST
    ours = {manifest}
    if manifest.exists():
        written = json.loads(manifest.read_text())
        # Manifests from before the list of files name one part-0 file per entity.
        names = written.get("files") or [f"{e}/part-0.parquet" for e in written["rows"]]
        ours |= {landing_dir / name for name in names}
    present = (
        sorted(p for p in landing_dir.rglob("*") if p.is_file()) if landing_dir.exists() else []
    )
    others = [p for p in present if p not in ours]
    if others:
        shown = ", ".join(str(p.relative_to(landing_dir)) for p in others[:3])
        raise LandingNotOurs(
            f"{landing_dir} holds files the generator did not write ({shown}"
            f"{', ...' if len(others) > 3 else ''}); it writes only into its own folder. "
            "Give it another folder (--landing), or run the daily job on these exports "
            "as they are: make daily"
        )
    for path in present:
        path.unlink()
    landing_dir.mkdir(parents=True, exist_ok=True)


def _config_json(config: GeneratorConfig) -> dict:
    values = asdict(config)
    values["end_date"] = config.end_date.isoformat()
    return values


class _Writer:
    def __init__(self, landing_dir: Path, report: Progress) -> None:
        self.landing_dir = landing_dir
        self.report = report
        self.rows: dict[str, int] = {}
        self.files: list[str] = []
        self.started = time.perf_counter()

    def write(self, entity: str, frame: pl.DataFrame) -> None:
        """Write ``frame`` as the entity's file, typed by the contract, pages checksummed."""
        name = f"{entity}/part-0.parquet"
        (self.landing_dir / entity).mkdir(parents=True, exist_ok=True)
        table = frame.to_arrow().cast(sources.arrow_schema(sources.entity(entity)))
        pq.write_table(table, self.landing_dir / name, write_page_checksum=True)
        self.files.append(name)
        self.rows[entity] = frame.height
        elapsed = time.perf_counter() - self.started
        self.report(f"[{elapsed:7.1f}s] {entity:<26} {frame.height:>12,} rows")


ID_NAMESPACE = uuid.UUID("6f1c0e2a-6d8b-4d1e-9a55-3f4b2c1d0e9f")


def stable_id(*parts: object) -> str:
    """A UUID named by ``parts``: the same across generator changes, unlike random ids.

    Tenants and custom fields get these, so stored segments can name them.
    """
    return str(uuid.uuid5(ID_NAMESPACE, "/".join(map(str, parts))))


def _rng(config: GeneratorConfig, entity: str) -> np.random.Generator:
    stream = int.from_bytes(entity.encode(), "little") % (2**63)
    return np.random.default_rng([config.seed, stream])


def _activity_rows(rng: np.random.Generator, contacts: _Contacts, mean: float) -> np.ndarray:
    """Contact index per activity row: counts vary a lot between contacts (gamma-Poisson)."""
    n = len(contacts.contact_id)
    rates = rng.gamma(0.8, mean / 0.8, n)
    return np.repeat(np.arange(n), rng.poisson(rates))


# -- entities ---------------------------------------------------------------------


@dataclass
class _TenantOutput:
    frame: pl.DataFrame
    state: _Tenants


def _tenants(config: GeneratorConfig, rng: np.random.Generator) -> _TenantOutput:
    n = config.tenants
    cids = np.array([stable_id(config.seed, "tenant", i) for i in range(n)])
    names = [
        vocab.TENANT_NAMES[i % len(vocab.TENANT_NAMES)]
        + ("" if i < len(vocab.TENANT_NAMES) else f" {i // len(vocab.TENANT_NAMES) + 1}")
        for i in range(n)
    ]
    zones = np.array([vocab.TENANT_TIMEZONES[i % len(vocab.TENANT_TIMEZONES)] for i in range(n)])
    frame = pl.DataFrame(
        {
            "cid": cids,
            "name": names,
            "package_tier": pick(rng, vocab.PACKAGE_TIERS, n).astype(str),
            "timezone": zones,
        }
    )
    user_ids = uuids(rng, n * USERS_PER_TENANT).reshape(n, USERS_PER_TENANT)
    return _TenantOutput(frame, _Tenants(cids, zones, user_ids))


def _users(tenants: _Tenants, rng: np.random.Generator) -> pl.DataFrame:
    n = tenants.user_ids.size
    first = pick(rng, vocab.MALE_FIRST_NAMES + vocab.FEMALE_FIRST_NAMES, n)
    last = pick(rng, vocab.LAST_NAMES, n)
    return pl.DataFrame(
        {
            "cid": np.repeat(tenants.cids, USERS_PER_TENANT),
            "user_id": tenants.user_ids.reshape(-1),
            "name": [f"{given} {family}" for given, family in zip(first, last, strict=True)],
        }
    )


def _contacts(
    config: GeneratorConfig, tenants: _Tenants, rng: np.random.Generator, log: dirt.DirtLog
) -> tuple[_Contacts, pl.DataFrame]:
    n = config.tenants * config.contacts_per_tenant
    tenant = np.repeat(np.arange(config.tenants), config.contacts_per_tenant)
    created = between(rng, config.start_ts, config.end_ts, n)
    updated = between(rng, created, config.end_ts, n)
    is_male = rng.random(n) < 0.5
    first = np.where(
        is_male,
        pick(rng, vocab.MALE_FIRST_NAMES, n),
        pick(rng, vocab.FEMALE_FIRST_NAMES, n),
    )
    last = np.where(rng.random(n) < 0.15, "", pick(rng, vocab.LAST_NAMES, n))
    state = _Contacts(tenants.cids[tenant], tenant, uuids(rng, n), created)
    users = tenants.user_ids[tenant]

    def a_user() -> np.ndarray:
        return users[np.arange(n), rng.integers(0, USERS_PER_TENANT, n)]

    age_days = rng.integers(16 * 365, 70 * 365, n)
    end_day = np.datetime64(config.end_date, "D")
    frame = pl.DataFrame(
        {
            "cid": state.cid,
            "contact_id": state.contact_id,
            "full_name": pl.Series(first.astype(str))
            + pl.Series(np.where(last == "", "", " "))
            + pl.Series(last.astype(str)),
            "email": _emails(rng, first, last),
            "phone": blank_out(rng, _phones(rng, n), 0.05),
            "job_title": blank_out(rng, pick(rng, vocab.JOB_TITLES, n), 0.2),
            "city": blank_out(rng, pick(rng, vocab.CITIES, n), 0.05),
            "address": blank_out(rng, _addresses(rng, n), 0.2),
            "gender": blank_out(rng, np.where(is_male, "male", "female"), 0.07),
            "date_of_birth": pl.Series(end_day - age_days).cast(pl.Date),
            "source": blank_out(rng, pick(rng, vocab.LEAD_SOURCES, n), 0.03),
            "status": pick(rng, vocab.LEAD_STATUSES, n),
            "owner_id": a_user(),
            "created_at": timestamps(created),
            "updated_at": timestamps(updated),
            "created_by": a_user(),
            "updated_by": a_user(),
            "whatsapp_consent": blank_out(rng, rng.random(n) < 0.7, 0.02),
            "email_consent": blank_out(rng, rng.random(n) < 0.45, 0.02),
            "consent_updated_at": timestamps(between(rng, created, config.end_ts, n)),
        },
    ).with_columns(
        pl.when(pl.Series(rng.random(n) < 0.1))
        .then(None)
        .otherwise(pl.col("date_of_birth"))
        .alias("date_of_birth")
    )
    frame = dirt.contacts(frame, rng, config, log)
    return state, frame


def _emails(rng: np.random.Generator, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    n = len(first)
    local = pl.Series(first.astype(str)).str.to_lowercase()
    surname = pl.Series(last.astype(str)).str.to_lowercase()
    separator = pl.Series(pick(rng, (".", "_", ""), n).astype(str))
    digits = pl.Series(rng.integers(1, 999, n)).cast(pl.String)
    with_digits = pl.Series(rng.random(n) < 0.5)
    domain = pl.Series(pick(rng, vocab.EMAIL_DOMAINS, n).astype(str))
    email = pl.select(
        pl.when(surname == "").then(local).otherwise(local + separator + surname)
        + pl.when(with_digits).then(digits).otherwise(pl.lit(""))
        + "@"
        + domain
    ).to_series()
    return blank_out(rng, email, 0.08)


def _phones(rng: np.random.Generator, n: int) -> np.ndarray:
    subscriber = pl.Series(rng.integers(10**8, 10**10, n)).cast(pl.String)
    return ("+628" + subscriber).to_numpy()


def _addresses(rng: np.random.Generator, n: int) -> np.ndarray:
    street = pl.Series(pick(rng, vocab.STREETS, n).astype(str))
    number = pl.Series(rng.integers(1, 250, n)).cast(pl.String)
    return (street + " No. " + number).to_numpy()


def _custom_fields(ctx: _Context, rng: np.random.Generator):
    config, tenants, contacts = ctx.config, ctx.tenants, ctx.contacts
    definitions, values = [], []
    for t, cid in enumerate(tenants.cids):
        members = np.flatnonzero(contacts.tenant == t)
        for field_type, variants in vocab.CUSTOM_FIELDS.items():
            name, options = variants[t % len(variants)]
            field_id = stable_id(cid, "custom_field", field_type)
            definitions.append(
                {
                    "cid": cid,
                    "field_id": field_id,
                    "name": name,
                    "field_type": field_type,
                    "options": list(options) or None,
                }
            )
            holders = members[rng.random(len(members)) < 0.55]
            values.append(
                pl.DataFrame(
                    {
                        "cid": contacts.cid[holders],
                        "contact_id": contacts.contact_id[holders],
                        "field_id": np.full(len(holders), field_id),
                        "value": _field_values(rng, field_type, options, len(holders), config),
                    },
                    schema_overrides={"value": pl.String},
                )
            )
    value_frame = ctx.dirty(pl.concat(values), rng, "custom_field_values", None)
    definition_frame = pl.DataFrame(definitions, schema_overrides={"options": pl.List(pl.String)})
    yield "custom_field_definitions", definition_frame
    yield "custom_field_values", value_frame


def _field_values(rng, field_type: str, options: tuple[str, ...], n: int, config) -> np.ndarray:
    """String values as the CRM exports them, typed later by the staging models."""
    if field_type in ("single_line_text", "text_area"):
        words = pick(rng, vocab.MALE_FIRST_NAMES + vocab.FEMALE_FIRST_NAMES + vocab.STREETS, n)
        words = words.astype(str)
        padded = np.where(rng.random(n) < 0.03, np.char.add(np.char.add("  ", words), " \t"), words)
        return np.where(rng.random(n) < 0.03, "", padded).astype(object)
    if field_type == "url":
        return (
            "https://example.co.id/u/" + pl.Series(rng.integers(1, 10**6, n)).cast(pl.String)
        ).to_numpy()
    if field_type == "dropdown_select":
        return pick(rng, options, n)
    if field_type == "multiple_select":
        return _multi_select_values(rng, options, n)
    if field_type == "number":
        return pl.Series(np.round(rng.lognormal(10, 2, n), 2)).cast(pl.String).to_numpy()
    if field_type == "percentage":
        return pl.Series(np.round(rng.random(n) * 100, 1)).cast(pl.String).to_numpy()
    if field_type == "date":
        days = rng.integers(-400, 400, n)
        dates = np.datetime64(config.end_date, "D") + days
        return dates.astype(str).astype(object)
    if field_type == "boolean":
        return np.where(rng.random(n) < 0.5, "true", "false").astype(object)
    if field_type in ("upload", "signature"):
        ids = uuids(rng, n)
        return ("https://files.example.co.id/" + pl.Series(ids) + ".png").to_numpy()
    if field_type == "gps":
        lat = pl.Series(np.round(rng.uniform(-8.5, 3.5, n), 5)).cast(pl.String)
        lon = pl.Series(np.round(rng.uniform(95.0, 141.0, n), 5)).cast(pl.String)
        return (lat + "," + lon).to_numpy()
    raise ValueError(f"no generator for custom field type {field_type!r}")


def _multi_select_values(rng, options: tuple[str, ...], n: int) -> np.ndarray:
    """JSON lists of options; about 5% padded as pasted text is (a space, an NBSP), and
    some with a blank option, which staging must clean."""
    bits = rng.random((n, len(options))) < 0.35
    masks = bits @ (1 << np.arange(len(options)))
    encoded = [
        np.array(
            [json.dumps([pad(o) for i, o in enumerate(options) if m >> i & 1] + blank)
             for m in range(1 << len(options))],
            dtype=object,
        )
        for pad, blank in ((str, []), (lambda o: f" {o}\u00a0", ["\u3000"]))
    ]  # fmt: skip
    padded = rng.random(n) < 0.05
    return np.where(padded, encoded[1][masks], encoded[0][masks])


def _conversations(ctx: _Context, rng: np.random.Generator):
    config, tenants, contacts = ctx.config, ctx.tenants, ctx.contacts
    rows = _activity_rows(rng, contacts, config.conversations_per_contact)
    n = len(rows)
    started = between(rng, contacts.created[rows], config.end_ts, n)
    resolved = started + rng.exponential(4 * 3600, n).astype(np.int64)
    is_resolved = (resolved <= config.end_ts) & (rng.random(n) < 0.95)
    agents = tenants.user_ids[contacts.tenant[rows], rng.integers(0, USERS_PER_TENANT, n)]
    frame = pl.DataFrame(
        {
            "cid": contacts.cid[rows],
            "conversation_id": uuids(rng, n),
            "contact_id": contacts.contact_id[rows],
            "channel": pick(rng, vocab.CONVERSATION_CHANNELS, n),
            "status": np.where(is_resolved, "resolved", "open"),
            "started_at": timestamps(started),
            "resolved_at": timestamps(resolved, is_resolved),
            "agent_id": agents,
            "message_count": (1 + rng.poisson(8, n)).astype(np.int32),
        }
    )
    yield "conversations", ctx.dirty(frame, rng, "conversations", "started_at")


def _campaigns(ctx: _Context, rng: np.random.Generator):
    config, tenants, contacts = ctx.config, ctx.tenants, ctx.contacts
    per_tenant = max(config.history_days // 7, 1)
    sent = np.sort(
        between(rng, config.start_ts, config.end_ts, config.tenants * per_tenant).reshape(
            config.tenants, per_tenant
        ),
        axis=1,
    )
    campaign_ids = uuids(rng, sent.size).reshape(sent.shape)
    campaigns = pl.DataFrame(
        {
            "cid": np.repeat(tenants.cids, per_tenant),
            "campaign_id": campaign_ids.reshape(-1),
            "name": pick(rng, vocab.CAMPAIGN_THEMES, sent.size).astype(str)
            + " #"
            + np.tile(np.arange(1, per_tenant + 1), config.tenants).astype(str),
            "channel": np.where(rng.random(sent.size) < 0.9, "whatsapp", "email"),
            "sent_at": timestamps(sent.reshape(-1)),
        }
    )
    yield "campaigns", campaigns
    recipients = _recipients(config, contacts, sent, campaign_ids, rng)
    yield "campaign_recipients", ctx.dirty(recipients, rng, "campaign_recipients", "status_at")


def _recipients(config, contacts, sent, campaign_ids, rng) -> pl.DataFrame:
    """Each contact receives campaigns sent after it was created, without repeats."""
    per_tenant = sent.shape[1]
    first_eligible = np.empty(len(contacts.contact_id), dtype=np.int64)
    for t in range(config.tenants):
        members = contacts.tenant == t
        first_eligible[members] = np.searchsorted(sent[t], contacts.created[members])
    eligible = per_tenant - first_eligible
    rates = rng.gamma(0.8, config.campaigns_per_contact / 0.8, len(eligible))
    counts = np.minimum(rng.poisson(rates * eligible / per_tenant), eligible)
    rows = np.repeat(np.arange(len(eligible)), counts)
    n = len(rows)
    chosen = first_eligible[rows] + (rng.random(n) * eligible[rows]).astype(np.int64)
    tenant = contacts.tenant[rows]
    status = pick(rng, vocab.CAMPAIGN_RECIPIENT_STATUSES, n)
    status_at = np.minimum(
        sent[tenant, chosen] + rng.exponential(6 * 3600, n).astype(np.int64), config.end_ts
    )
    frame = pl.DataFrame(
        {
            "cid": contacts.cid[rows],
            "campaign_id": campaign_ids[tenant, chosen],
            "contact_id": contacts.contact_id[rows],
            "status": status,
            "status_at": timestamps(status_at),
        }
    )
    return frame.unique(subset=["campaign_id", "contact_id"], keep="first", maintain_order=True)


def _companies(ctx: _Context, rng: np.random.Generator):
    config, tenants, contacts = ctx.config, ctx.tenants, ctx.contacts
    per_tenant = max(config.contacts_per_tenant // 25, 1)
    n = config.tenants * per_tenant
    company_ids = uuids(rng, n).reshape(config.tenants, per_tenant)
    words = pick(rng, vocab.COMPANY_WORDS, 2 * n).astype(str).reshape(2, n)
    yield (
        "companies",
        pl.DataFrame(
            {
                "cid": np.repeat(tenants.cids, per_tenant),
                "company_id": company_ids.reshape(-1),
                "name": np.char.add(np.char.add("PT ", words[0]), np.char.add(" ", words[1])),
                "industry": pick(rng, vocab.INDUSTRIES, n),
                "size": pick(rng, vocab.COMPANY_SIZES, n),
            }
        ),
    )
    employed = np.flatnonzero(rng.random(len(contacts.contact_id)) < 0.55)
    rows = np.concatenate([employed, employed[rng.random(len(employed)) < 0.1]])
    company = company_ids[contacts.tenant[rows], rng.integers(0, per_tenant, len(rows))]
    yield (
        "contact_companies",
        pl.DataFrame(
            {
                "cid": contacts.cid[rows],
                "contact_id": contacts.contact_id[rows],
                "company_id": company,
            }
        ).unique(subset=["contact_id", "company_id"], keep="first", maintain_order=True),
    )


def _deals(ctx: _Context, rng: np.random.Generator):
    config, _tenants, contacts = ctx.config, ctx.tenants, ctx.contacts
    rows = _activity_rows(rng, contacts, config.deals_per_contact)
    n = len(rows)
    created = between(rng, contacts.created[rows], config.end_ts, n)
    closed = created + rng.integers(1, 90 * DAY, n)
    status = pick(rng, (("open", 30), ("won", 40), ("lost", 30)), n)
    status = np.where(closed > config.end_ts, "open", status)
    stage = np.array([pick(rng, vocab.DEAL_STAGES[s], 1)[0] for s in ("open", "won", "lost")])
    frame = pl.DataFrame(
        {
            "cid": contacts.cid[rows],
            "deal_id": uuids(rng, n),
            "contact_id": contacts.contact_id[rows],
            "pipeline": pick(rng, vocab.DEAL_PIPELINES, n),
            "stage": np.where(
                status == "open",
                pick(rng, vocab.DEAL_STAGES["open"], n),
                np.where(status == "won", stage[1], stage[2]),
            ),
            "status": status,
            "amount": np.round(rng.lognormal(np.log(15e6), 1.2, n), -5),
            "created_at": timestamps(created),
            "closed_at": timestamps(closed, status != "open"),
        }
    )
    yield "deals", ctx.dirty(frame, rng, "deals", "created_at")


def _tickets(ctx: _Context, rng: np.random.Generator):
    config, _tenants, contacts = ctx.config, ctx.tenants, ctx.contacts
    rows = _activity_rows(rng, contacts, config.tickets_per_contact)
    n = len(rows)
    created = between(rng, contacts.created[rows], config.end_ts, n)
    resolved = created + rng.exponential(24 * 3600, n).astype(np.int64)
    status = pick(rng, vocab.TICKET_STATUSES, n)
    done = np.isin(status, ["resolved", "closed"]) & (resolved <= config.end_ts)
    status = np.where(np.isin(status, ["resolved", "closed"]) & ~done, "open", status)
    frame = pl.DataFrame(
        {
            "cid": contacts.cid[rows],
            "ticket_id": uuids(rng, n),
            "contact_id": contacts.contact_id[rows],
            "status": status,
            "priority": pick(rng, vocab.TICKET_PRIORITIES, n),
            "category": pick(rng, vocab.TICKET_CATEGORIES, n),
            "created_at": timestamps(created),
            "resolved_at": timestamps(resolved, done),
        }
    )
    yield "tickets", ctx.dirty(frame, rng, "tickets", "created_at")


def _orders(ctx: _Context, rng: np.random.Generator):
    config, _tenants, contacts = ctx.config, ctx.tenants, ctx.contacts
    buyers = np.flatnonzero(rng.random(len(contacts.contact_id)) < 0.55)
    rates = rng.gamma(0.8, (config.orders_per_buyer - 1) / 0.8, len(buyers))
    rows = np.repeat(buyers, 1 + rng.poisson(rates))
    n = len(rows)
    frame = pl.DataFrame(
        {
            "cid": contacts.cid[rows],
            "order_id": uuids(rng, n),
            "contact_id": contacts.contact_id[rows],
            "amount": np.round(rng.lognormal(np.log(250_000), 0.9, n), -3),
            "status": pick(rng, vocab.ORDER_STATUSES, n),
            "ordered_at": timestamps(between(rng, contacts.created[rows], config.end_ts, n)),
        }
    )
    yield "orders", ctx.dirty(frame, rng, "orders", "ordered_at")


def _loyalty(ctx: _Context, rng: np.random.Generator):
    config, _tenants, contacts = ctx.config, ctx.tenants, ctx.contacts
    rows = np.flatnonzero(rng.random(len(contacts.contact_id)) < 0.35)
    n = len(rows)
    tier = pick(rng, vocab.LOYALTY_TIERS, n)
    scale = {"Bronze": 1_000, "Silver": 5_000, "Gold": 20_000, "Platinum": 60_000}
    points = (rng.random(n) * np.array([scale[t] for t in tier])).astype(np.int64)
    joined = between(rng, contacts.created[rows], config.end_ts, n)
    last = between(rng, joined, config.end_ts, n)
    frame = pl.DataFrame(
        {
            "cid": contacts.cid[rows],
            "contact_id": contacts.contact_id[rows],
            "tier": tier,
            "points_balance": points,
            "joined_at": timestamps(joined),
            "last_transaction_at": timestamps(last, rng.random(n) >= 0.1),
        }
    )
    yield "loyalty_members", ctx.dirty(frame, rng, "loyalty_members", "joined_at")


_ACTIVITY_BUILDERS = (
    ("custom_fields", _custom_fields),
    ("conversations", _conversations),
    ("campaigns", _campaigns),
    ("companies", _companies),
    ("deals", _deals),
    ("tickets", _tickets),
    ("orders", _orders),
    ("loyalty", _loyalty),
)
