"""Vectorised random draws for the synthetic CRM: ids, choices, blanks, times."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl


def uuids(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` UUID-shaped random ids (version 4 layout) as a numpy string array."""
    raw = np.frombuffer(rng.bytes(16 * n), dtype=np.uint8).reshape(n, 16).copy()
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    hexed = np.frombuffer(raw.tobytes().hex().encode(), dtype="S32").astype("U32")
    s = pl.Series(hexed)
    formatted = pl.select(
        pl.concat_str(
            [
                s.str.slice(0, 8),
                s.str.slice(8, 4),
                s.str.slice(12, 4),
                s.str.slice(16, 4),
                s.str.slice(20, 12),
            ],
            separator="-",
        )
    ).to_series()
    return formatted.to_numpy()


def pick(rng: np.random.Generator, choices: Sequence, n: int) -> np.ndarray:
    """``n`` draws from ``choices``: plain values, or ``(value, weight)`` pairs."""
    if choices and isinstance(choices[0], tuple):
        values = np.array([c[0] for c in choices], dtype=object)
        weights = np.array([c[1] for c in choices], dtype=float)
        return values[rng.choice(len(values), size=n, p=weights / weights.sum())]
    return np.array(choices, dtype=object)[rng.integers(0, len(choices), n)]


def blank_out(rng: np.random.Generator, values: np.ndarray | pl.Series, share: float) -> pl.Series:
    """``values`` with about ``share`` of them replaced by null."""
    series = values if isinstance(values, pl.Series) else pl.Series(values)
    mask = pl.Series(rng.random(len(series)) < share)
    return pl.select(pl.when(mask).then(None).otherwise(series)).to_series()


def between(rng: np.random.Generator, lo: np.ndarray | int, hi: np.ndarray | int, n: int):
    """Uniform epoch seconds in ``[lo, hi]`` (element-wise)."""
    lo = np.asarray(lo, dtype=np.int64)
    span = np.maximum(np.asarray(hi, dtype=np.int64) - lo, 0)
    return lo + (rng.random(n) * span).astype(np.int64)


def timestamps(seconds: np.ndarray, mask: np.ndarray | None = None) -> pl.Series:
    """Epoch seconds as timestamps; NULL where ``mask`` is false."""
    series = pl.from_epoch(pl.Series(seconds.astype(np.int64)), time_unit="s")
    if mask is not None:
        series = pl.select(pl.when(pl.Series(mask)).then(series)).to_series()
    return series
