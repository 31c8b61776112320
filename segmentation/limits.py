"""Size limits of segments and rule sets: settings of a deployment, not constants.

Every limit has a default here; :meth:`Limits.from_env` lets a deployment change any of
them with ``SEGMENTATION_LIMIT_<NAME>`` (for example ``SEGMENTATION_LIMIT_MAX_GROUPS=3``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace


@dataclass(frozen=True)
class Limits:
    """How big a segment file, a rule set and each of its values may be."""

    max_groups: int = 2
    max_conditions_per_group: int = 3
    max_sub_filters: int = 3
    max_values: int = 100
    """Values of one list (``is_any_of``, ``contains_any``...)."""
    max_text_length: int = 500
    """Characters of one text value of a condition."""
    max_days: int = 3650
    max_count: int = 1_000_000
    max_file_bytes: int = 64 * 1024
    """Bytes of one segment file (a full rule set is a few kilobytes)."""

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Limits:
        """The defaults, each overridden by ``SEGMENTATION_LIMIT_<NAME>`` when it is set."""
        environ = os.environ if environ is None else environ
        changes = {}
        for item in fields(cls):
            text = environ.get(f"SEGMENTATION_LIMIT_{item.name.upper()}")
            if text is None:
                continue
            try:
                changes[item.name] = int(text)
            except ValueError:
                raise ValueError(
                    f"SEGMENTATION_LIMIT_{item.name.upper()} must be a whole number, got {text!r}"
                ) from None
        return replace(cls(), **changes)
