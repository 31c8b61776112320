"""The marts' lower bound: the same tables written by hand as bare DuckDB SQL.

One statement per output table, straight from the raw tables, with nothing dbt adds
(start-up, views, tests, intermediate models): the least work that gives the marts.
It is written from the marts' contract (docs/data-model.md), not from the dbt models,
so :func:`differences` doubles as a check of the marts at scale: ``make bench`` fails
when any table differs by a row.
"""

from __future__ import annotations

import time
from datetime import date

import duckdb

from segmentation.text import WHITESPACE

SCHEMA = "bare_marts"
MARTS = (
    "contact_profile",
    "contact_metrics",
    "contact_rfm",
    "contact_custom_fields",
    "custom_fields",
    "contact_conversations",
    "contact_campaigns",
    "contact_deals",
    "contact_tickets",
    "contact_orders",
    "contact_companies",
)

_TEXT_TYPES = (
    "('single_line_text', 'text_area', 'url', 'dropdown_select', 'upload', 'signature', 'gps')"
)


def _clean(column: str) -> str:
    """Trimmed of Unicode White_Space; blank is NULL (the fast path: nothing to trim)."""
    whitespace = "".join(WHITESPACE).replace("'", "''")
    return (
        f"CASE WHEN ascii({column}) BETWEEN 33 AND 126 AND ascii(right({column}, 1)) "
        f"BETWEEN 33 AND 126 THEN {column} ELSE nullif(trim({column}, '{whitespace}'), '') END"
    )


def _code(column: str) -> str:
    return f"lower({_clean(column)})"


def _local(timestamp: str) -> str:
    """The tenant-local date of a UTC timestamp, ``c`` being the tenant's clock."""
    return (
        f"CASE WHEN c.utc_offset IS NOT NULL AND {timestamp} >= TIMESTAMP '1970-01-01' "
        f"THEN CAST({timestamp} + to_seconds(c.utc_offset) AS DATE) "
        f"ELSE CAST(({timestamp} AT TIME ZONE 'UTC') AT TIME ZONE c.timezone AS DATE) END"
    )


def _statements(day: date, home_timezone: str) -> dict[str, str]:
    d = f"DATE '{day.isoformat()}'"
    return {
        "clocks": f"""
            WITH tenants AS (
                SELECT cid, coalesce({_clean("timezone")}, '{home_timezone}') AS timezone
                FROM raw.crm_tenants),
            samples AS (SELECT unnest(generate_series(TIMESTAMP '1970-01-01',
                CAST({d} AS TIMESTAMP) + INTERVAL 366 DAY, INTERVAL 1 MONTH)) AS instant),
            offsets AS (
                SELECT cid, min(o) AS lowest, max(o) AS highest FROM (
                    SELECT cid, epoch((instant AT TIME ZONE 'UTC') AT TIME ZONE timezone)
                        - epoch(instant) AS o
                    FROM tenants, samples) GROUP BY cid)
            SELECT t.cid, t.timezone,
                CAST((CAST({d} + 1 AS TIMESTAMP) AT TIME ZONE t.timezone) AT TIME ZONE 'UTC'
                    AS TIMESTAMP) AS day_end,
                CASE WHEN lowest = highest THEN CAST(lowest AS BIGINT) END AS utc_offset
            FROM tenants t JOIN offsets USING (cid)""",
        "contacts": f"""
            SELECT k.cid, k.contact_id, {_clean("k.full_name")} AS full_name,
                lower({_clean("k.email")}) AS email, {_clean("k.phone")} AS phone,
                {_clean("k.job_title")} AS job_title, {_clean("k.city")} AS city,
                {_clean("k.address")} AS address, {_code("k.gender")} AS gender,
                k.date_of_birth, {_clean("k.source")} AS source, {_clean("k.status")} AS status,
                {_clean("k.owner_id")} AS owner_id, k.created_at,
                {_local("k.created_at")} AS created_on, k.updated_at,
                {_local("k.updated_at")} AS updated_on, {_clean("k.created_by")} AS created_by,
                {_clean("k.updated_by")} AS updated_by, k.whatsapp_consent, k.email_consent,
                {_local("k.consent_updated_at")} AS consent_updated_on,
                coalesce(l.joined_at < c.day_end, false) AS is_loyalty_member,
                CASE WHEN l.joined_at < c.day_end THEN {_clean("l.tier")} END AS loyalty_tier,
                CASE WHEN l.joined_at < c.day_end THEN l.points_balance END
                    AS loyalty_points_balance,
                CASE WHEN l.joined_at < c.day_end THEN {_local("l.joined_at")} END
                    AS loyalty_joined_on,
                CASE WHEN l.joined_at < c.day_end AND l.last_transaction_at < c.day_end
                    THEN {_local("l.last_transaction_at")} END AS loyalty_last_transaction_on,
                c.timezone
            FROM raw.crm_contacts k JOIN clocks c USING (cid)
            LEFT JOIN raw.crm_loyalty_members l
                ON l.contact_id = k.contact_id AND l.cid = k.cid
            WHERE k.created_at IS NULL OR k.created_at < c.day_end""",
        "contact_profile": f"""
            SELECT cid, contact_id, full_name, email, phone, job_title, city, address, gender,
                date_of_birth, source, status, owner_id, created_at, created_on, updated_at,
                updated_on, created_by, updated_by, whatsapp_consent, email_consent,
                consent_updated_on, phone IS NOT NULL AS has_valid_phone,
                email IS NOT NULL AS has_valid_email,
                phone IS NOT NULL AND coalesce(whatsapp_consent, false) AS is_whatsapp_reachable,
                email IS NOT NULL AND coalesce(email_consent, false) AS is_email_reachable,
                is_loyalty_member, loyalty_tier, loyalty_points_balance, loyalty_joined_on,
                loyalty_last_transaction_on, timezone, {d} AS as_of_date
            FROM contacts""",
        "contact_conversations": f"""
            SELECT v.cid, v.conversation_id, v.contact_id, {_code("v.channel")} AS channel,
                CASE WHEN v.resolved_at < c.day_end THEN 'resolved' ELSE 'open' END AS status,
                v.started_at, {_local("v.started_at")} AS started_on,
                CASE WHEN v.resolved_at < c.day_end THEN {_local("v.resolved_at")} END
                    AS resolved_on,
                {_clean("v.agent_id")} AS agent_id, v.message_count
            FROM raw.crm_conversations v JOIN clocks c USING (cid)
            WHERE v.started_at < c.day_end""",
        "contact_campaigns": f"""
            SELECT r.cid, r.campaign_id, r.contact_id, {_clean("m.name")} AS campaign_name,
                {_code("m.channel")} AS channel,
                CASE WHEN r.status_at < c.day_end THEN {_code("r.status")} ELSE 'sent' END
                    AS status,
                {_local("m.sent_at")} AS sent_on,
                CASE WHEN r.status_at < c.day_end THEN {_local("r.status_at")} END AS status_on
            FROM raw.crm_campaign_recipients r
            JOIN raw.crm_campaigns m ON m.campaign_id = r.campaign_id AND m.cid = r.cid
            JOIN clocks c ON c.cid = r.cid
            WHERE m.sent_at < c.day_end""",
        "contact_deals": f"""
            SELECT x.cid, x.deal_id, x.contact_id, {_clean("x.pipeline")} AS pipeline,
                {_clean("x.stage")} AS stage,
                CASE WHEN x.closed_at < c.day_end THEN {_code("x.status")} ELSE 'open' END
                    AS status,
                x.amount, {_local("x.created_at")} AS created_on,
                CASE WHEN x.closed_at < c.day_end THEN {_local("x.closed_at")} END AS closed_on
            FROM raw.crm_deals x JOIN clocks c USING (cid)
            WHERE x.created_at < c.day_end""",
        "contact_tickets": f"""
            SELECT t.cid, t.ticket_id, t.contact_id,
                CASE WHEN t.resolved_at < c.day_end THEN {_code("t.status")}
                    WHEN {_code("t.status")} IN ('resolved', 'closed') THEN 'open'
                    ELSE {_code("t.status")} END AS status,
                coalesce(t.resolved_at < c.day_end, false) AS is_resolved,
                {_code("t.priority")} AS priority, {_code("t.category")} AS category,
                {_local("t.created_at")} AS created_on,
                CASE WHEN t.resolved_at < c.day_end THEN {_local("t.resolved_at")} END
                    AS resolved_on,
                CASE WHEN t.resolved_at < c.day_end THEN
                    CAST(date_diff('second', t.created_at, t.resolved_at) AS DOUBLE) / 3600
                END AS resolution_hours
            FROM raw.crm_tickets t JOIN clocks c USING (cid)
            WHERE t.created_at < c.day_end""",
        "contact_orders": f"""
            SELECT o.cid, o.order_id, o.contact_id, o.amount, {_code("o.status")} AS status,
                coalesce({_code("o.status")} NOT IN ('cancelled', 'refunded'), true)
                    AS is_counted,
                {_local("o.ordered_at")} AS ordered_on
            FROM raw.crm_orders o JOIN clocks c USING (cid)
            WHERE o.ordered_at < c.day_end""",
        "contact_metrics": f"""
            WITH v AS (
                SELECT cid, contact_id, count(*) AS total,
                    count(*) FILTER (started_on > {d} - 30) AS last_30,
                    count(*) FILTER (channel = 'whatsapp') AS whatsapp,
                    count(*) FILTER (status = 'open') AS open,
                    CAST(sum(message_count) AS BIGINT) AS messages, max(started_on) AS last
                FROM {SCHEMA}.contact_conversations GROUP BY ALL),
            t AS (
                SELECT cid, contact_id, count(*) AS total,
                    count(*) FILTER (NOT is_resolved) AS open,
                    count(*) FILTER (is_resolved) AS resolved,
                    avg(resolution_hours) AS hours, max(created_on) AS last
                FROM {SCHEMA}.contact_tickets GROUP BY ALL),
            x AS (
                SELECT cid, contact_id, count(*) AS total,
                    count(*) FILTER (status = 'open') AS open,
                    count(*) FILTER (status = 'won') AS won,
                    count(*) FILTER (status = 'lost') AS lost,
                    CAST(sum(CASE WHEN status = 'won' THEN amount ELSE 0 END)
                        AS DECIMAL(18, 2)) AS won_amount,
                    max(created_on) AS last
                FROM {SCHEMA}.contact_deals GROUP BY ALL),
            m AS (
                SELECT cid, contact_id, count(*) FILTER (status <> 'failed') AS received,
                    count(*) FILTER (status IN ('read', 'replied')) AS read,
                    count(*) FILTER (status = 'replied') AS replied, max(sent_on) AS last,
                    max(CASE WHEN status IN ('read', 'replied') THEN status_on END) AS engaged
                FROM {SCHEMA}.contact_campaigns GROUP BY ALL),
            o AS (
                SELECT cid, contact_id, count(*) FILTER (is_counted) AS total,
                    count(*) FILTER (is_counted AND ordered_on > {d} - 30) AS last_30,
                    CAST(sum(CASE WHEN is_counted THEN amount ELSE 0 END) AS DECIMAL(18, 2))
                        AS spent,
                    max(CASE WHEN is_counted THEN ordered_on END) AS last
                FROM {SCHEMA}.contact_orders GROUP BY ALL),
            joined AS (
                SELECT k.cid, k.contact_id, k.loyalty_joined_on, k.loyalty_last_transaction_on,
                    coalesce(v.total, 0) AS conversations_total,
                    coalesce(v.last_30, 0) AS conversations_last_30_days,
                    coalesce(v.whatsapp, 0) AS whatsapp_conversations_total,
                    coalesce(v.open, 0) AS conversations_open,
                    coalesce(v.messages, 0) AS messages_total, v.last AS last_conversation_on,
                    coalesce(t.total, 0) AS tickets_total, coalesce(t.open, 0) AS tickets_open,
                    coalesce(t.resolved, 0) AS tickets_resolved,
                    t.hours AS avg_resolution_hours, t.last AS last_ticket_on,
                    coalesce(x.total, 0) AS deals_total, coalesce(x.open, 0) AS deals_open,
                    coalesce(x.won, 0) AS deals_won, coalesce(x.lost, 0) AS deals_lost,
                    CAST(coalesce(x.won_amount, 0) AS DECIMAL(18, 2)) AS deals_won_amount,
                    x.last AS last_deal_on,
                    coalesce(m.received, 0) AS campaigns_received,
                    coalesce(m.read, 0) AS campaigns_read,
                    coalesce(m.replied, 0) AS campaigns_replied, m.last AS last_campaign_on,
                    m.engaged AS last_campaign_engagement_on,
                    coalesce(o.total, 0) AS orders_total,
                    coalesce(o.last_30, 0) AS orders_last_30_days,
                    CAST(coalesce(o.spent, 0) AS DECIMAL(18, 2)) AS total_spent,
                    o.last AS last_order_on
                FROM contacts k
                LEFT JOIN v ON v.contact_id = k.contact_id AND v.cid = k.cid
                LEFT JOIN t ON t.contact_id = k.contact_id AND t.cid = k.cid
                LEFT JOIN x ON x.contact_id = k.contact_id AND x.cid = k.cid
                LEFT JOIN m ON m.contact_id = k.contact_id AND m.cid = k.cid
                LEFT JOIN o ON o.contact_id = k.contact_id AND o.cid = k.cid)
            SELECT cid, contact_id, conversations_total, conversations_last_30_days,
                whatsapp_conversations_total, conversations_open, messages_total,
                last_conversation_on, tickets_total, tickets_open, tickets_resolved,
                avg_resolution_hours, last_ticket_on, deals_total, deals_open, deals_won,
                deals_lost,
                CASE WHEN deals_won + deals_lost > 0
                    THEN 100.0 * deals_won / (deals_won + deals_lost) END AS deal_win_rate,
                deals_won_amount, last_deal_on, campaigns_received, campaigns_read,
                campaigns_replied,
                CASE WHEN campaigns_received > 0
                    THEN 100.0 * campaigns_read / campaigns_received END AS campaign_read_rate,
                CASE WHEN campaigns_received > 0
                    THEN 100.0 * campaigns_replied / campaigns_received END
                    AS campaign_reply_rate,
                last_campaign_on, last_campaign_engagement_on, orders_total,
                orders_last_30_days, total_spent,
                CASE WHEN orders_total > 0
                    THEN CAST(total_spent / orders_total AS DECIMAL(18, 2)) END
                    AS average_order_value,
                last_order_on,
                date_diff('day', loyalty_joined_on, {d}) AS loyalty_membership_days,
                date_diff('day', loyalty_last_transaction_on, {d})
                    AS days_since_last_loyalty_transaction,
                greatest(last_conversation_on, last_ticket_on, last_deal_on,
                    last_campaign_engagement_on, last_order_on, loyalty_last_transaction_on)
                    AS last_activity_on,
                date_diff('day', greatest(last_conversation_on, last_ticket_on, last_deal_on,
                    last_campaign_engagement_on, last_order_on, loyalty_last_transaction_on),
                    {d}) AS days_since_last_activity,
                {d} AS as_of_date
            FROM joined""",
        "contact_rfm": f"""
            WITH scored AS (
                SELECT cid, contact_id, recency_days, frequency, monetary,
                    count(*) OVER (PARTITION BY cid) AS n,
                    rank() OVER (PARTITION BY cid ORDER BY recency_days DESC) AS r,
                    rank() OVER (PARTITION BY cid ORDER BY frequency) AS f,
                    rank() OVER (PARTITION BY cid ORDER BY monetary) AS m
                FROM (SELECT cid, contact_id, date_diff('day', last_order_on, {d})
                        AS recency_days, orders_total AS frequency, total_spent AS monetary
                    FROM {SCHEMA}.contact_metrics WHERE orders_total > 0)),
            scores AS (
                SELECT cid, contact_id, recency_days, frequency, monetary,
                    CAST(1 + floor(5.0 * (r - 1) / n) AS INTEGER) AS r_score,
                    CAST(1 + floor(5.0 * (f - 1) / n) AS INTEGER) AS f_score,
                    CAST(1 + floor(5.0 * (m - 1) / n) AS INTEGER) AS m_score
                FROM scored)
            SELECT k.cid, k.contact_id, s.recency_days, coalesce(s.frequency, 0) AS frequency,
                CAST(coalesce(s.monetary, 0) AS DECIMAL(18, 2)) AS monetary,
                s.r_score, s.f_score, s.m_score,
                CAST(s.r_score AS VARCHAR) || CAST(s.f_score AS VARCHAR)
                    || CAST(s.m_score AS VARCHAR) AS rfm_score,
                coalesce(l.rfm_label, 'No purchases') AS rfm_label, {d} AS as_of_date
            FROM contacts k
            LEFT JOIN scores s ON s.contact_id = k.contact_id AND s.cid = k.cid
            LEFT JOIN seeds.rfm_segment_labels l
                ON l.r_score = s.r_score AND l.f_score = s.f_score""",
        "custom_fields": f"""
            SELECT cid, field_id, {_clean("name")} AS field_name,
                {_code("field_type")} AS field_type, options
            FROM raw.crm_custom_field_definitions""",
        "contact_custom_fields": f"""
            WITH typed AS (
                SELECT v.cid, v.contact_id, v.field_id, f.field_name, f.field_type,
                    v.value AS value_raw, {_clean("v.value")} AS value_text
                FROM raw.crm_custom_field_values v
                JOIN {SCHEMA}.custom_fields f ON f.field_id = v.field_id)
            SELECT t.cid, t.contact_id, t.field_id, t.field_name, t.field_type,
                CASE WHEN t.field_type IN {_TEXT_TYPES} THEN t.value_text END AS value_text,
                CASE WHEN t.field_type IN ('number', 'percentage')
                    THEN try_cast(t.value_text AS DOUBLE) END AS value_number,
                CASE WHEN t.field_type = 'date' THEN try_cast(t.value_text AS DATE) END
                    AS value_date,
                CASE WHEN t.field_type = 'boolean' THEN try_cast(t.value_text AS BOOLEAN) END
                    AS value_boolean,
                CASE WHEN t.field_type = 'multiple_select' THEN list_filter(list_transform(
                    try_cast(json_extract_string(t.value_raw, '$[*]') AS VARCHAR[]),
                    lambda o: {_clean("o")}), lambda o: o IS NOT NULL) END AS value_options
            FROM typed t
            JOIN contacts k ON k.contact_id = t.contact_id AND k.cid = t.cid""",
        "contact_companies": f"""
            SELECT l.cid, l.contact_id, l.company_id, {_clean("c.name")} AS company_name,
                {_clean("c.industry")} AS industry, {_clean("c.size")} AS company_size
            FROM raw.crm_contact_companies l
            JOIN raw.crm_companies c ON c.company_id = l.company_id AND c.cid = l.cid""",
    }


_TEMPORARY = ("clocks", "contacts")


def build(con: duckdb.DuckDBPyConnection, day: date, home_timezone: str) -> float:
    """Write the marts of ``day`` into schema ``bare_marts``; the seconds it took."""
    con.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE; CREATE SCHEMA {SCHEMA}")
    started = time.perf_counter()
    for name, sql in _statements(day, home_timezone).items():
        target = name if name in _TEMPORARY else f"{SCHEMA}.{name}"
        kind = "TEMP TABLE" if name in _TEMPORARY else "TABLE"
        con.execute(f"CREATE OR REPLACE {kind} {target} AS {sql}")
    return time.perf_counter() - started


def differences(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows in one of ``bare_marts.<mart>`` and ``marts.<mart>`` and not the other, per mart
    (floating-point columns compared to 9 significant digits: sums in another order)."""
    found = {}
    for mart in MARTS:
        columns = con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'marts' AND table_name = ? ORDER BY ordinal_position",
            [mart],
        ).fetchall()
        select = ", ".join(
            f"round({name}, 9 - CAST(ceil(log10(abs({name}) + 1)) AS INTEGER))"
            if kind == "DOUBLE"
            else name
            for name, kind in columns
        )
        found[mart] = con.execute(
            f"SELECT (SELECT count(*) FROM (SELECT {select} FROM {SCHEMA}.{mart} EXCEPT ALL "
            f"SELECT {select} FROM marts.{mart})) + (SELECT count(*) FROM (SELECT {select} "
            f"FROM marts.{mart} EXCEPT ALL SELECT {select} FROM {SCHEMA}.{mart}))"
        ).fetchall()[0][0]
    return found
