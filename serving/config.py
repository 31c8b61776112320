"""The API's settings, from the environment (see the README's Settings).

| variable | default | what |
| --- | --- | --- |
| ``SEGMENTATION_API_PORT`` | ``8000`` | the port on 127.0.0.1 |
| ``SEGMENTATION_API_SECRET`` | a development secret | the HS256 key of bearer tokens |
| ``SEGMENTATION_PREVIEW_DEADLINE`` | ``5`` | seconds a preview may run before 504 |
| ``SEGMENTATION_PREVIEW_RATE`` | ``30`` | previews per tenant per minute before 429 |
| ``SEGMENTATION_API_MAX_BODY`` | ``65536`` | bytes of a request body before 413 |
| ``SEGMENTATION_TIER_LIMIT_<TIER>`` | plus 25, ultimate 100, 360 500 | active segments per tenant |
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from segmentation.limits import Limits
from segmentation.settings import Settings

DEV_SECRET = "dev-secret-not-for-production-use-only"
"""The signing key when none is set: fine on a laptop, refused nowhere, printed by
``make serve`` so nobody mistakes it for a real one."""

TIER_LIMITS = {"plus": 25, "ultimate": 100, "360": 500}
"""Active segments a tenant may have, by package tier."""


@dataclass(frozen=True)
class ServingSettings:
    """Everything the API needs to know about its deployment."""

    segment_defs: Path
    snapshots: Path
    host: str = "127.0.0.1"
    port: int = 8000
    secret: str = DEV_SECRET
    preview_deadline_seconds: float = 5.0
    preview_rate_per_minute: int = 30
    max_body_bytes: int = 64 * 1024
    tier_limits: Mapping[str, int] = field(default_factory=lambda: dict(TIER_LIMITS))
    limits: Limits = field(default_factory=Limits)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ServingSettings:
        """The settings of the environment, else the defaults; a bad value is named."""
        env = os.environ if environ is None else environ
        core = Settings.from_env(env)

        def number(variable: str, default, parse=int):
            text = env.get(variable)
            if not text:
                return default
            try:
                value = parse(text)
            except ValueError:
                value = None
            if value is None or value <= 0:
                raise ValueError(f"{variable}={text!r} must be a positive number like {default}")
            return value

        tiers = {
            tier: number(f"SEGMENTATION_TIER_LIMIT_{tier.upper()}", limit)
            for tier, limit in TIER_LIMITS.items()
        }
        return cls(
            segment_defs=core.segment_defs,
            snapshots=core.snapshots,
            port=number("SEGMENTATION_API_PORT", cls.port),
            secret=env.get("SEGMENTATION_API_SECRET") or DEV_SECRET,
            preview_deadline_seconds=number(
                "SEGMENTATION_PREVIEW_DEADLINE", cls.preview_deadline_seconds, float
            ),
            preview_rate_per_minute=number(
                "SEGMENTATION_PREVIEW_RATE", cls.preview_rate_per_minute
            ),
            max_body_bytes=number("SEGMENTATION_API_MAX_BODY", cls.max_body_bytes),
            tier_limits=tiers,
            limits=core.limits,
        )
