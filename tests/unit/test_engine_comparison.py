"""The comparison the engine-equality tests rely on: what it takes as equal."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pyarrow as pa

from tests.engines import canonical, rows, unpaired


def test_canonical_values():
    assert canonical(Decimal("1.10")) == canonical(Decimal("1.1"))
    assert canonical(Decimal("12345678901.23")) != canonical(Decimal("12345678901.24"))
    assert canonical(1.1) == canonical(1.1 + 1e-15)
    near = [canonical(0.10000000000049999)], [canonical(0.10000000000050001)]
    assert near[0] != near[1]
    assert unpaired([("a", *near[0])], [("a", *near[1])]) == ([], [])
    assert unpaired([("a", 0.1)], [("a", 0.1000001)]) == ([("a", 0.1)], [("a", 0.1000001)])
    assert canonical(0.1 + 0.2) == canonical(0.3)
    assert canonical(float("nan")) == canonical(Decimal("NaN"))
    assert canonical(datetime(2026, 1, 1, 7, tzinfo=UTC)) == datetime(2026, 1, 1, 7)
    assert canonical(["b", "a"]) == ("b", "a")
    assert canonical(date(2026, 1, 1)) == date(2026, 1, 1)
    days = pa.table({"d": pa.array([0, None, 2**31 - 1], pa.int32()).cast(pa.date32())})
    assert rows(days) == [(date(1970, 1, 1),), (None,), (f"day {2**31 - 1}",)]
