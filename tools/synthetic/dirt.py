"""Dirty rows, as real CRM exports have them, injected at a configurable rate.

Each kind of dirt goes to distinct rows, and every injected row is counted in a
:class:`DirtLog`, so tests can check that the loader quarantines exactly what was
broken (plus the cascade: activity of a rejected contact has an unknown contact).
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import polars as pl

from tools.synthetic.draws import uuids

DAY = 86_400
FUTURE_DAYS = (400, 1_500)
"""Future timestamps land more than a year after the export, as typos do (2062 for 2026)."""


class DirtLog(Counter):
    """Counts of injected dirt, keyed by ``(entity, kind)``."""

    def as_dict(self) -> dict[str, dict[str, int]]:
        """``{entity: {kind: count}}``, ready for JSON."""
        out: dict[str, dict[str, int]] = {}
        for (entity, kind), count in sorted(self.items()):
            out.setdefault(entity, {})[kind] = count
        return out


def _disjoint_rows(rng: np.random.Generator, n: int, rate: float, kinds: int) -> list[np.ndarray]:
    """``kinds`` disjoint sets of about ``rate * n`` row indices each.

    ``rate * n`` is rounded up or down at random, in proportion, so that the rate holds
    over many small frames too (the generator dirties each chunk of contacts apart).
    """
    k = int(n * rate) + int(rng.random() < n * rate % 1)
    if k == 0 or n == 0:
        return [np.array([], dtype=np.int64) for _ in range(kinds)]
    chosen = np.unique(rng.integers(0, n, min(k * kinds * 2, n)))
    rng.shuffle(chosen)
    return [np.sort(chosen[i * k : (i + 1) * k]) for i in range(kinds)]


def _scatter(frame: pl.DataFrame, rows: np.ndarray, column: str, values) -> pl.DataFrame:
    if len(rows) == 0:
        return frame
    series = frame[column].clone()
    series.scatter(rows, pl.Series(values, dtype=series.dtype))
    return frame.with_columns(series)


def _future(rng: np.random.Generator, end_ts: int, n: int) -> pl.Series:
    seconds = end_ts + rng.integers(FUTURE_DAYS[0] * DAY, FUTURE_DAYS[1] * DAY, n)
    return pl.from_epoch(pl.Series(seconds), time_unit="s")


def _unknown_ids(rng: np.random.Generator, n: int) -> list[str]:
    return list(uuids(rng, n)) if n else []


def contacts(frame: pl.DataFrame, rng, config, log: DirtLog) -> pl.DataFrame:
    """Malformed emails and phones, future timestamps, unknown tenants, stale duplicates."""
    has_email = np.flatnonzero(frame["email"].is_not_null().to_numpy())
    has_phone = np.flatnonzero(frame["phone"].is_not_null().to_numpy())
    bad_email, bad_phone, future, orphan, duplicate = _disjoint_rows(
        rng, frame.height, config.dirty_rate, 5
    )
    bad_email = np.intersect1d(bad_email, has_email)
    bad_phone = np.intersect1d(bad_phone, has_phone)

    emails = frame["email"].gather(bad_email)
    variant = pl.Series(rng.integers(0, 3, len(bad_email)))
    broken = pl.select(
        pl.when(variant == 0)
        .then(emails.str.replace("@", " at "))
        .when(variant == 1)
        .then(emails.str.split("@").list.first() + "@")
        .otherwise(emails.str.replace("@", "@@"))
    ).to_series()
    frame = _scatter(frame, bad_email, "email", broken)
    phones = frame["phone"].gather(bad_phone)
    frame = _scatter(frame, bad_phone, "phone", ("0" + phones.str.slice(3)).str.slice(0, 7))
    frame = _scatter(frame, future, "created_at", _future(rng, config.end_ts, len(future)))
    frame = _scatter(frame, orphan, "cid", _unknown_ids(rng, 1) * len(orphan))

    frame = _padded(frame, rng, config, log)
    stale = frame[duplicate].with_columns(
        (pl.col("updated_at") - pl.duration(days=30)).alias("updated_at"),
        pl.lit("New Lead").alias("status"),
    )
    log.update(
        {
            ("contacts", "malformed_email"): len(bad_email),
            ("contacts", "malformed_phone"): len(bad_phone),
            ("contacts", "future_timestamp"): len(future),
            ("contacts", "unknown_tenant"): len(orphan),
            ("contacts", "duplicate_key"): len(duplicate),
        }
    )
    return pl.concat([frame, stale])


PADDING = ("\u00a0", "\t", " ", "\u3000")
"""What pasted text leaves around a value: the marts must hold it trimmed."""


def _padded(frame: pl.DataFrame, rng, config, log: DirtLog) -> pl.DataFrame:
    """Text fields padded with whitespace of every kind, at the dirty rate."""
    for column in ("city", "job_title", "source"):
        present = np.flatnonzero(frame[column].is_not_null().to_numpy())
        rows = present[rng.random(len(present)) < config.dirty_rate]
        before = pl.Series(np.array(PADDING, dtype=object)[rng.integers(0, 4, len(rows))])
        after = pl.Series(np.array(PADDING, dtype=object)[rng.integers(0, 4, len(rows))])
        frame = _scatter(frame, rows, column, before + frame[column].gather(rows) + after)
        log[("contacts", "padded_text")] += len(rows)
    return frame


def activity(
    frame: pl.DataFrame,
    rng,
    config,
    log: DirtLog,
    entity: str,
    timestamp_column: str | None,
) -> pl.DataFrame:
    """Exact duplicates, unknown tenants and contacts, timestamps in the future."""
    orphan_tenant, orphan_contact, future, duplicate = _disjoint_rows(
        rng, frame.height, config.dirty_rate, 4
    )
    frame = _scatter(frame, orphan_tenant, "cid", _unknown_ids(rng, 1) * len(orphan_tenant))
    frame = _scatter(frame, orphan_contact, "contact_id", _unknown_ids(rng, len(orphan_contact)))
    if timestamp_column is None:
        future = future[:0]
    else:
        frame = _scatter(frame, future, timestamp_column, _future(rng, config.end_ts, len(future)))
    log.update(
        {
            (entity, "unknown_tenant"): len(orphan_tenant),
            (entity, "unknown_contact"): len(orphan_contact),
            (entity, "future_timestamp"): len(future),
            (entity, "duplicate_key"): len(duplicate),
        }
    )
    return pl.concat([frame, frame[duplicate]])
