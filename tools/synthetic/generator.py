"""A deterministic synthetic CRM: every landing entity, realistic values, some dirt.

Generation streams, so memory stays bounded by one chunk whatever the scale: tenant by
tenant, and within a tenant chunk by chunk of at most :data:`CHUNK_CONTACTS` contacts,
the contacts of a chunk and all their activity are drawn and appended to the entities'
Parquet files as row groups. What every chunk of a tenant shares (the tenant, its users,
campaigns, companies and custom fields) is drawn once per tenant.

Given the same :class:`GeneratorConfig` the output is identical byte for byte. Every
draw comes from a random stream seeded by ``(seed, entity, tenant, chunk)``, so a change
to one entity's generation leaves the others untouched. Arrays are generated with numpy
and assembled with polars: 1M contacts and their ~30M rows take under a minute, in less
than 1 GiB.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import NamedTuple

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from segmentation.landing import sources
from tools.synthetic import dirt
from tools.synthetic import vocabulary as vocab
from tools.synthetic.draws import between, blank_out, pick, timestamps, uuids

DAY = 86_400
USERS_PER_TENANT = 8
CHUNK_CONTACTS = 50_000
"""Most contacts generated at once: a larger tenant is split into even chunks."""


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


@dataclass(frozen=True)
class _Tenant:
    """What every chunk of a tenant needs of it, read from its rows once."""

    index: int
    cid: str
    user_ids: np.ndarray
    campaign_ids: np.ndarray
    campaign_sent: np.ndarray  # epoch seconds, ascending
    company_ids: np.ndarray


@dataclass(frozen=True)
class _Contacts:
    """The keys of a chunk's contacts, as drawn: before any dirt."""

    contact_id: np.ndarray
    created: np.ndarray  # epoch seconds


@dataclass(frozen=True)
class _Chunk:
    """One chunk of a tenant's contacts: what its entities are generated from."""

    config: GeneratorConfig
    tenant: _Tenant
    contacts: _Contacts
    log: dirt.DirtLog

    def cids(self, n: int) -> np.ndarray:
        """The tenant's id, ``n`` times."""
        return np.full(n, self.tenant.cid)

    def users(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` users of the tenant, at random."""
        return self.tenant.user_ids[rng.integers(0, len(self.tenant.user_ids), n)]

    def dirty(
        self, frame: pl.DataFrame, rng: np.random.Generator, entity: str, column: str | None
    ) -> pl.DataFrame:
        """``frame`` with the activity dirt injected and logged; ``column``: its timestamp."""
        return dirt.activity(frame, rng, self.config, self.log, entity, column)


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
    other. A folder of real exports is refused with :class:`LandingNotOurs`. If the
    generation fails, the files it had begun are removed.
    """
    landing_dir = Path(landing_dir)
    _claim(landing_dir)
    report = progress or (lambda _message: None)
    log = dirt.DirtLog()
    with _Landing(landing_dir) as landing:
        for index in range(config.tenants):
            _generate_tenant(config, index, landing, log)
            report(
                f"[{landing.elapsed():7.1f}s] tenant {index + 1}/{config.tenants}: "
                f"{config.contacts_per_tenant:,} contacts and their activity"
            )
    for entity, rows in landing.rows.items():
        report(f"{entity:<26} {rows:>12,} rows {landing.seconds[entity]:8.1f}s")
    result = GenerationResult(rows=landing.rows, dirt=log.as_dict())
    manifest = {"config": _config_json(config), **asdict(result), "files": landing.files}
    (landing_dir / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return result


def _generate_tenant(
    config: GeneratorConfig, index: int, landing: _Landing, log: dirt.DirtLog
) -> None:
    """A tenant's own rows, then its contacts and their activity, chunk by chunk."""
    cid = stable_id(config.seed, "tenant", index)
    own = {
        entity: landing.append(entity, build, config, index, cid, _rng(config, entity, index))
        for entity, build in _TENANT_ENTITIES
    }
    campaigns = own["campaigns"]
    tenant = _Tenant(
        index=index,
        cid=cid,
        user_ids=own["users"]["user_id"].to_numpy(),
        campaign_ids=campaigns["campaign_id"].to_numpy(),
        campaign_sent=campaigns["sent_at"].dt.epoch("s").to_numpy(),
        company_ids=own["companies"]["company_id"].to_numpy(),
    )
    for number, size in enumerate(_chunk_sizes(config.contacts_per_tenant)):
        keys = _contact_keys(config, size, _rng(config, "contact_keys", index, number))
        chunk = _Chunk(config, tenant, keys, log)
        for entity, build in _CHUNK_ENTITIES:
            landing.append(entity, build, chunk, _rng(config, entity, index, number))


def _chunk_sizes(contacts: int) -> list[int]:
    """``contacts`` split into as few even chunks of at most ``CHUNK_CONTACTS`` as can be."""
    count = -(-contacts // CHUNK_CONTACTS)
    return [contacts * (i + 1) // count - contacts * i // count for i in range(count)]


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


class _Landing:
    """The entities' files, open for appending while generating: one Parquet writer per
    entity, typed by the contract, pages checksummed. Counts rows and time per entity.

    On leaving, every file is closed; an entity without rows gets an empty file of its
    schema. If generation failed, the unfinished files are removed.
    """

    def __init__(self, landing_dir: Path) -> None:
        self.landing_dir = landing_dir
        self.rows = {spec.name: 0 for spec in sources.ENTITIES}
        self.seconds = dict.fromkeys(self.rows, 0.0)
        self.files = [f"{entity}/part-0.parquet" for entity in self.rows]
        self._writers: dict[str, pq.ParquetWriter] = {}
        self._stack = ExitStack()
        self._started = time.perf_counter()

    def __enter__(self) -> _Landing:
        return self

    def __exit__(self, kind, error, trace) -> None:
        try:
            with self._stack:  # closes every writer opened, even if one fails
                if kind is None:
                    for entity in (e for e, rows in self.rows.items() if rows == 0):
                        self._writer(entity).write_table(_schema(entity).empty_table())
        except BaseException:
            self._remove()
            raise
        if kind is not None:
            self._remove()

    def append(
        self, entity: str, build: Callable[..., pl.DataFrame], *args: object
    ) -> pl.DataFrame:
        """Rows of ``entity`` drawn by ``build(*args)``, appended to its file; returned."""
        started = time.perf_counter()
        frame = build(*args)
        if frame.height:
            self._writer(entity).write_table(frame.to_arrow().cast(_schema(entity)))
            self.rows[entity] += frame.height
        self.seconds[entity] += time.perf_counter() - started
        return frame

    def elapsed(self) -> float:
        """Seconds since the files were opened."""
        return time.perf_counter() - self._started

    def _writer(self, entity: str) -> pq.ParquetWriter:
        if entity not in self._writers:
            path = self.landing_dir / entity / "part-0.parquet"
            path.parent.mkdir(exist_ok=True)
            writer = pq.ParquetWriter(path, _schema(entity), write_page_checksum=True)
            self._writers[entity] = self._stack.enter_context(writer)
        return self._writers[entity]

    def _remove(self) -> None:
        for name in self.files:
            (self.landing_dir / name).unlink(missing_ok=True)


def _schema(entity: str) -> pa.Schema:
    return sources.arrow_schema(sources.entity(entity))


ID_NAMESPACE = uuid.UUID("6f1c0e2a-6d8b-4d1e-9a55-3f4b2c1d0e9f")


def stable_id(*parts: object) -> str:
    """A UUID named by ``parts``: the same across generator changes, unlike random ids.

    Tenants and custom fields get these, so stored segments can name them.
    """
    return str(uuid.uuid5(ID_NAMESPACE, "/".join(map(str, parts))))


def _rng(config: GeneratorConfig, stream: str, *where: int) -> np.random.Generator:
    """The random stream ``stream`` of a tenant, or of a chunk of its contacts: seeded by
    a hash of the seed, the stream's name and where, unrelated to every other stream."""
    key = json.dumps([config.seed, stream, *where]).encode()
    digest = hashlib.blake2b(key, digest_size=16).digest()
    return np.random.default_rng(int.from_bytes(digest, "little"))


def _activity_rows(rng: np.random.Generator, contacts: _Contacts, mean: float) -> np.ndarray:
    """Contact index per activity row: counts vary a lot between contacts (gamma-Poisson)."""
    n = len(contacts.contact_id)
    rates = rng.gamma(0.8, mean / 0.8, n)
    return np.repeat(np.arange(n), rng.poisson(rates))


# -- a tenant's own rows: (config, tenant index, cid, rng) -> rows -------------------


def _tenant_row(
    config: GeneratorConfig, index: int, cid: str, rng: np.random.Generator
) -> pl.DataFrame:
    names, zones = vocab.TENANT_NAMES, vocab.TENANT_TIMEZONES
    round_ = index // len(names)
    return pl.DataFrame(
        {
            "cid": [cid],
            "name": [names[index % len(names)] + (f" {round_ + 1}" if round_ else "")],
            "package_tier": pick(rng, vocab.PACKAGE_TIERS, 1).astype(str),
            "timezone": [zones[index % len(zones)]],
        }
    )


def _users(config: GeneratorConfig, index: int, cid: str, rng: np.random.Generator) -> pl.DataFrame:
    n = USERS_PER_TENANT
    first = pick(rng, vocab.MALE_FIRST_NAMES + vocab.FEMALE_FIRST_NAMES, n)
    last = pick(rng, vocab.LAST_NAMES, n)
    return pl.DataFrame(
        {
            "cid": np.full(n, cid),
            "user_id": uuids(rng, n),
            "name": [f"{given} {family}" for given, family in zip(first, last, strict=True)],
        }
    )


class _Field(NamedTuple):
    field_id: str
    name: str
    field_type: str
    options: tuple[str, ...]


def _fields(index: int, cid: str) -> list[_Field]:
    """A tenant's custom fields, one of every type: fixed by the vocabulary, not drawn."""
    fields = []
    for field_type, variants in vocab.CUSTOM_FIELDS.items():
        name, options = variants[index % len(variants)]
        fields.append(_Field(stable_id(cid, "custom_field", field_type), name, field_type, options))
    return fields


def _custom_field_definitions(
    config: GeneratorConfig, index: int, cid: str, rng: np.random.Generator
) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "cid": cid,
                "field_id": field.field_id,
                "name": field.name,
                "field_type": field.field_type,
                "options": list(field.options) or None,
            }
            for field in _fields(index, cid)
        ],
        schema_overrides={"options": pl.List(pl.String)},
    )


def _campaigns(
    config: GeneratorConfig, index: int, cid: str, rng: np.random.Generator
) -> pl.DataFrame:
    """About one campaign a week, in order of sending."""
    n = max(config.history_days // 7, 1)
    sent = np.sort(between(rng, config.start_ts, config.end_ts, n))
    return pl.DataFrame(
        {
            "cid": np.full(n, cid),
            "campaign_id": uuids(rng, n),
            "name": pick(rng, vocab.CAMPAIGN_THEMES, n).astype(str)
            + " #"
            + np.arange(1, n + 1).astype(str),
            "channel": np.where(rng.random(n) < 0.9, "whatsapp", "email"),
            "sent_at": timestamps(sent),
        }
    )


def _companies(
    config: GeneratorConfig, index: int, cid: str, rng: np.random.Generator
) -> pl.DataFrame:
    """One company per 25 contacts of the tenant."""
    n = max(config.contacts_per_tenant // 25, 1)
    words = pick(rng, vocab.COMPANY_WORDS, 2 * n).astype(str).reshape(2, n)
    return pl.DataFrame(
        {
            "cid": np.full(n, cid),
            "company_id": uuids(rng, n),
            "name": np.char.add(np.char.add("PT ", words[0]), np.char.add(" ", words[1])),
            "industry": pick(rng, vocab.INDUSTRIES, n),
            "size": pick(rng, vocab.COMPANY_SIZES, n),
        }
    )


_TENANT_ENTITIES = (
    ("tenants", _tenant_row),
    ("users", _users),
    ("custom_field_definitions", _custom_field_definitions),
    ("campaigns", _campaigns),
    ("companies", _companies),
)


# -- a chunk's rows: (chunk, rng) -> rows ---------------------------------------------


def _contact_keys(config: GeneratorConfig, n: int, rng: np.random.Generator) -> _Contacts:
    """Ids and creation times of ``n`` contacts: what their activity hangs on."""
    return _Contacts(uuids(rng, n), between(rng, config.start_ts, config.end_ts, n))


def _contacts(chunk: _Chunk, rng: np.random.Generator) -> pl.DataFrame:
    config, contacts = chunk.config, chunk.contacts
    n = len(contacts.contact_id)
    created = contacts.created
    updated = between(rng, created, config.end_ts, n)
    is_male = rng.random(n) < 0.5
    first = np.where(
        is_male,
        pick(rng, vocab.MALE_FIRST_NAMES, n),
        pick(rng, vocab.FEMALE_FIRST_NAMES, n),
    )
    last = np.where(rng.random(n) < 0.15, "", pick(rng, vocab.LAST_NAMES, n))
    age_days = rng.integers(16 * 365, 70 * 365, n)
    end_day = np.datetime64(config.end_date, "D")
    frame = pl.DataFrame(
        {
            "cid": chunk.cids(n),
            "contact_id": contacts.contact_id,
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
            "owner_id": chunk.users(rng, n),
            "created_at": timestamps(created),
            "updated_at": timestamps(updated),
            "created_by": chunk.users(rng, n),
            "updated_by": chunk.users(rng, n),
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
    return dirt.contacts(frame, rng, config, chunk.log)


def _emails(rng: np.random.Generator, first: np.ndarray, last: np.ndarray) -> pl.Series:
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


def _custom_field_values(chunk: _Chunk, rng: np.random.Generator) -> pl.DataFrame:
    """About 55% of the contacts hold a value of each field."""
    contacts = chunk.contacts
    values = []
    for field in _fields(chunk.tenant.index, chunk.tenant.cid):
        holders = np.flatnonzero(rng.random(len(contacts.contact_id)) < 0.55)
        n = len(holders)
        values.append(
            pl.DataFrame(
                {
                    "cid": chunk.cids(n),
                    "contact_id": contacts.contact_id[holders],
                    "field_id": np.full(n, field.field_id),
                    "value": _field_values(rng, field.field_type, field.options, n, chunk.config),
                },
                schema=dict.fromkeys(("cid", "contact_id", "field_id", "value"), pl.String),
            )
        )
    return chunk.dirty(pl.concat(values), rng, "custom_field_values", None)


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


def _conversations(chunk: _Chunk, rng: np.random.Generator) -> pl.DataFrame:
    config, contacts = chunk.config, chunk.contacts
    rows = _activity_rows(rng, contacts, config.conversations_per_contact)
    n = len(rows)
    started = between(rng, contacts.created[rows], config.end_ts, n)
    resolved = started + rng.exponential(4 * 3600, n).astype(np.int64)
    is_resolved = (resolved <= config.end_ts) & (rng.random(n) < 0.95)
    frame = pl.DataFrame(
        {
            "cid": chunk.cids(n),
            "conversation_id": uuids(rng, n),
            "contact_id": contacts.contact_id[rows],
            "channel": pick(rng, vocab.CONVERSATION_CHANNELS, n),
            "status": np.where(is_resolved, "resolved", "open"),
            "started_at": timestamps(started),
            "resolved_at": timestamps(resolved, is_resolved),
            "agent_id": chunk.users(rng, n),
            "message_count": (1 + rng.poisson(8, n)).astype(np.int32),
        }
    )
    return chunk.dirty(frame, rng, "conversations", "started_at")


def _campaign_recipients(chunk: _Chunk, rng: np.random.Generator) -> pl.DataFrame:
    """Each contact receives campaigns sent after it was created, without repeats."""
    config, tenant, contacts = chunk.config, chunk.tenant, chunk.contacts
    sent = tenant.campaign_sent
    first_eligible = np.searchsorted(sent, contacts.created)
    eligible = len(sent) - first_eligible
    rates = rng.gamma(0.8, config.campaigns_per_contact / 0.8, len(eligible))
    counts = np.minimum(rng.poisson(rates * eligible / len(sent)), eligible)
    rows = np.repeat(np.arange(len(eligible)), counts)
    n = len(rows)
    chosen = first_eligible[rows] + (rng.random(n) * eligible[rows]).astype(np.int64)
    status = pick(rng, vocab.CAMPAIGN_RECIPIENT_STATUSES, n)
    status_at = np.minimum(
        sent[chosen] + rng.exponential(6 * 3600, n).astype(np.int64), config.end_ts
    )
    frame = pl.DataFrame(
        {
            "cid": chunk.cids(n),
            "campaign_id": tenant.campaign_ids[chosen],
            "contact_id": contacts.contact_id[rows],
            "status": status,
            "status_at": timestamps(status_at),
        }
    ).unique(subset=["campaign_id", "contact_id"], keep="first", maintain_order=True)
    return chunk.dirty(frame, rng, "campaign_recipients", "status_at")


def _contact_companies(chunk: _Chunk, rng: np.random.Generator) -> pl.DataFrame:
    """About 55% of the contacts work for a company of the tenant, a few for two."""
    contacts, company_ids = chunk.contacts, chunk.tenant.company_ids
    employed = np.flatnonzero(rng.random(len(contacts.contact_id)) < 0.55)
    rows = np.concatenate([employed, employed[rng.random(len(employed)) < 0.1]])
    return pl.DataFrame(
        {
            "cid": chunk.cids(len(rows)),
            "contact_id": contacts.contact_id[rows],
            "company_id": company_ids[rng.integers(0, len(company_ids), len(rows))],
        }
    ).unique(subset=["contact_id", "company_id"], keep="first", maintain_order=True)


def _deals(chunk: _Chunk, rng: np.random.Generator) -> pl.DataFrame:
    config, contacts = chunk.config, chunk.contacts
    rows = _activity_rows(rng, contacts, config.deals_per_contact)
    n = len(rows)
    created = between(rng, contacts.created[rows], config.end_ts, n)
    closed = created + rng.integers(1, 90 * DAY, n)
    status = pick(rng, (("open", 30), ("won", 40), ("lost", 30)), n)
    status = np.where(closed > config.end_ts, "open", status)
    stage = np.array([pick(rng, vocab.DEAL_STAGES[s], 1)[0] for s in ("open", "won", "lost")])
    frame = pl.DataFrame(
        {
            "cid": chunk.cids(n),
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
    return chunk.dirty(frame, rng, "deals", "created_at")


def _tickets(chunk: _Chunk, rng: np.random.Generator) -> pl.DataFrame:
    config, contacts = chunk.config, chunk.contacts
    rows = _activity_rows(rng, contacts, config.tickets_per_contact)
    n = len(rows)
    created = between(rng, contacts.created[rows], config.end_ts, n)
    resolved = created + rng.exponential(24 * 3600, n).astype(np.int64)
    status = pick(rng, vocab.TICKET_STATUSES, n)
    done = np.isin(status, ["resolved", "closed"]) & (resolved <= config.end_ts)
    status = np.where(np.isin(status, ["resolved", "closed"]) & ~done, "open", status)
    frame = pl.DataFrame(
        {
            "cid": chunk.cids(n),
            "ticket_id": uuids(rng, n),
            "contact_id": contacts.contact_id[rows],
            "status": status,
            "priority": pick(rng, vocab.TICKET_PRIORITIES, n),
            "category": pick(rng, vocab.TICKET_CATEGORIES, n),
            "created_at": timestamps(created),
            "resolved_at": timestamps(resolved, done),
        }
    )
    return chunk.dirty(frame, rng, "tickets", "created_at")


def _orders(chunk: _Chunk, rng: np.random.Generator) -> pl.DataFrame:
    """About 55% of the contacts buy, at least once."""
    config, contacts = chunk.config, chunk.contacts
    buyers = np.flatnonzero(rng.random(len(contacts.contact_id)) < 0.55)
    rates = rng.gamma(0.8, (config.orders_per_buyer - 1) / 0.8, len(buyers))
    rows = np.repeat(buyers, 1 + rng.poisson(rates))
    n = len(rows)
    frame = pl.DataFrame(
        {
            "cid": chunk.cids(n),
            "order_id": uuids(rng, n),
            "contact_id": contacts.contact_id[rows],
            "amount": np.round(rng.lognormal(np.log(250_000), 0.9, n), -3),
            "status": pick(rng, vocab.ORDER_STATUSES, n),
            "ordered_at": timestamps(between(rng, contacts.created[rows], config.end_ts, n)),
        }
    )
    return chunk.dirty(frame, rng, "orders", "ordered_at")


def _loyalty_members(chunk: _Chunk, rng: np.random.Generator) -> pl.DataFrame:
    """About 35% of the contacts are members of the loyalty program."""
    config, contacts = chunk.config, chunk.contacts
    rows = np.flatnonzero(rng.random(len(contacts.contact_id)) < 0.35)
    n = len(rows)
    tier = pick(rng, vocab.LOYALTY_TIERS, n)
    scale = {"Bronze": 1_000, "Silver": 5_000, "Gold": 20_000, "Platinum": 60_000}
    points = (rng.random(n) * np.array([scale[t] for t in tier])).astype(np.int64)
    joined = between(rng, contacts.created[rows], config.end_ts, n)
    last = between(rng, joined, config.end_ts, n)
    frame = pl.DataFrame(
        {
            "cid": chunk.cids(n),
            "contact_id": contacts.contact_id[rows],
            "tier": tier,
            "points_balance": points,
            "joined_at": timestamps(joined),
            "last_transaction_at": timestamps(last, rng.random(n) >= 0.1),
        }
    )
    return chunk.dirty(frame, rng, "loyalty_members", "joined_at")


_CHUNK_ENTITIES = (
    ("contacts", _contacts),
    ("custom_field_values", _custom_field_values),
    ("conversations", _conversations),
    ("campaign_recipients", _campaign_recipients),
    ("contact_companies", _contact_companies),
    ("deals", _deals),
    ("tickets", _tickets),
    ("orders", _orders),
    ("loyalty_members", _loyalty_members),
)
