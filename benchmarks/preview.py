"""Preview latency at 1M contacts: the engine's preview beside a hand-written query.

Each rule set has a hand-written DuckDB query giving the same answer (count and a
10-contact sample), as an engineer would write it knowing the marts: the lower bound.
Both run in the same process on the same warehouse, interleaved, after a warm-up.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

import duckdb

from segmentation.preview import preview
from segmentation.rules.validate import bind
from segmentation.warehouse import custom_fields


@dataclass(frozen=True)
class Case:
    name: str
    kind: str  # "profile" or "association window"
    rule_set: dict
    hand_sql: str  # with {cid} and {as_of} placeholders (benchmark constants only)


def _field(field, operator, value=None):
    return {"type": "field", "field": field, "operator": operator, "value": value}


def _rules(*conditions, match="all"):
    return {"version": 1, "groups": [{"match": match, "conditions": list(conditions)}]}


_SAMPLE = """
    SELECT p.contact_id, p.full_name, p.source, m.last_activity_on, count(*) OVER ()
    FROM matched
    JOIN (SELECT * FROM marts.contact_profile WHERE cid = '{cid}') p USING (contact_id)
    LEFT JOIN (SELECT * FROM marts.contact_metrics WHERE cid = '{cid}') m USING (contact_id)
    ORDER BY m.last_activity_on DESC NULLS LAST, p.contact_id LIMIT 10
"""

CASES = [
    Case(
        "Jakarta, WhatsApp-reachable",
        "profile",
        _rules(_field("city", "is", "Jakarta"), _field("is_whatsapp_reachable", "is_true")),
        "WITH matched AS (SELECT contact_id FROM marts.contact_profile WHERE cid = '{cid}' "
        "AND lower(city) = 'jakarta' AND is_whatsapp_reachable)" + _SAMPLE,
    ),
    Case(
        "RFM Champions or Loyal",
        "profile",
        _rules(_field("rfm_label", "is_any_of", ["Champions", "Loyal Customers"])),
        "WITH matched AS (SELECT contact_id FROM marts.contact_rfm WHERE cid = '{cid}' "
        "AND rfm_label IN ('Champions', 'Loyal Customers'))" + _SAMPLE,
    ),
    Case(
        "Instagram leads, last 90 days, spent > 1M",
        "profile",
        _rules(
            _field("source", "is_any_of", ["Instagram"]),
            _field("created_at", "in_last_days", 90),
            _field("total_spent", "greater_than", 1_000_000),
        ),
        "WITH matched AS (SELECT p.contact_id FROM marts.contact_profile p "
        "JOIN marts.contact_metrics m USING (contact_id) WHERE p.cid = '{cid}' "
        "AND p.source = 'Instagram' AND p.created_on > DATE '{as_of}' - 90 "
        "AND m.total_spent > 1000000)" + _SAMPLE,
    ),
    Case(
        "2+ WhatsApp conversations, last 30 days",
        "association window",
        _rules({"type": "association", "association": "conversations",
                "where": [{"field": "channel", "operator": "is_any_of", "value": ["whatsapp"]}],
                "count": {"operator": "at_least", "value": 2}, "window": {"last_days": 30}}),
        "WITH matched AS (SELECT contact_id FROM marts.contact_conversations "
        "WHERE cid = '{cid}' AND channel = 'whatsapp' AND started_on > DATE '{as_of}' - 30 "
        "GROUP BY contact_id HAVING count(*) >= 2)" + _SAMPLE,
    ),
    Case(
        "Read a campaign in the last 7 days",
        "association window",
        _rules({"type": "association", "association": "campaigns",
                "where": [{"field": "status", "operator": "is_any_of",
                           "value": ["read", "replied"]}],
                "window": {"last_days": 7, "field": "status_at"}}),
        "WITH matched AS (SELECT DISTINCT contact_id FROM marts.contact_campaigns "
        "WHERE cid = '{cid}' AND status IN ('read', 'replied') "
        "AND status_on > DATE '{as_of}' - 7)" + _SAMPLE,
    ),
    Case(
        "3+ orders in 90 days and no open ticket",
        "association window",
        _rules(
            {"type": "association", "association": "orders",
             "where": [{"field": "is_counted", "operator": "is_true"}],
             "count": {"operator": "at_least", "value": 3}, "window": {"last_days": 90}},
            {"type": "association", "association": "tickets",
             "where": [{"field": "is_resolved", "operator": "is_false"}],
             "count": {"operator": "exactly", "value": 0}},
        ),
        "WITH matched AS (SELECT contact_id FROM marts.contact_orders WHERE cid = '{cid}' "
        "AND is_counted AND ordered_on > DATE '{as_of}' - 90 GROUP BY contact_id "
        "HAVING count(*) >= 3 EXCEPT SELECT contact_id FROM marts.contact_tickets "
        "WHERE cid = '{cid}' AND NOT is_resolved)" + _SAMPLE,
    ),
]  # fmt: skip

TARGET_P95_MS = {"profile": 100, "association window": 500}
TARGET_RATIO = 1.5


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def run(con: duckdb.DuckDBPyConnection, as_of, repeats: int = 30) -> list[dict]:
    """Time each case on the largest tenant; one row of figures per case."""
    cid = con.execute(
        "SELECT cid FROM marts.contact_profile GROUP BY cid ORDER BY count(*) DESC, cid LIMIT 1"
    ).fetchall()[0][0]
    fields = custom_fields(con)
    rows = []
    for case in CASES:
        hand_sql = case.hand_sql.format(cid=cid, as_of=as_of.isoformat())

        def engine(case=case):
            rule_set = bind(case.rule_set, cid, fields)  # validation is in the path
            return preview(con, rule_set, as_of)

        def by_hand(hand_sql=hand_sql):
            rows = con.execute(hand_sql).fetchall()
            base = con.execute(
                "SELECT count(*) FROM marts.contact_profile WHERE cid = ?", [cid]
            ).fetchall()
            return rows, base

        result, (hand_rows, _) = engine(), by_hand()  # warm up, and the answers to compare
        engine_ms, hand_ms = [], []
        for _ in range(repeats):
            for timings, call in ((engine_ms, engine), (hand_ms, by_hand)):
                started = time.perf_counter()
                call()
                timings.append((time.perf_counter() - started) * 1000)
        agree = result.total_matched == (hand_rows[0][4] if hand_rows else 0)
        (e50, e95), (h50, h95) = _percentiles(engine_ms), _percentiles(hand_ms)
        rows.append({"case": case.name, "kind": case.kind, "matched": result.total_matched,
                     "engine_p50": e50, "engine_p95": e95, "hand_p50": h50, "hand_p95": h95,
                     "agree": agree})  # fmt: skip
    return rows


def report(rows: list[dict]) -> str:
    """The table ``make bench`` prints."""
    header = (
        f"{'rule set':<44} {'kind':<19} {'matched':>8} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'hand p50':>9} {'hand p95':>9} {'p95/hand':>8} {'target':>14} {'same':>5}"
    )
    lines = [header, "-" * len(header)]
    for r in rows:
        ratio = r["engine_p95"] / r["hand_p95"]
        ok = r["engine_p95"] <= TARGET_P95_MS[r["kind"]] and ratio <= TARGET_RATIO
        target = f"<={TARGET_P95_MS[r['kind']]}ms,{TARGET_RATIO}x"
        lines.append(
            f"{r['case']:<44} {r['kind']:<19} {r['matched']:>8,} {r['engine_p50']:>7.1f} "
            f"{r['engine_p95']:>7.1f} {r['hand_p50']:>9.1f} {r['hand_p95']:>9.1f} "
            f"{ratio:>7.2f}x {target:>14} {'yes' if r['agree'] else 'NO':>5}"
            + ("" if ok else "  MISSED")
        )
    return "\n".join(lines)
