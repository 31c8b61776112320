{#-
    One row per segment computed on the day: members, the tenant's customer base, who
    entered and exited, who is reachable by WhatsApp and by email, and the version of
    the rule set. Each build replaces the day's rows; other days stay.
-#}
{{ config(
    incremental_strategy=replacing_strategy(),
    partition_by=['day'],
    pre_hook="{{ delete_rows_by(this, 'day', 'select ' ~ as_of_date()) }}",
) }}

with computed as (
    select
        segment_id,
        cid,
        rule_set_hash
    from {{ ref('int_segments_computed_as_of') }}
),

members as (
    select
        segment_id,
        cid,
        contact_id
    from {{ ref('int_segment_members_as_of') }}
),

profile as (
    select
        cid,
        contact_id,
        is_whatsapp_reachable,
        is_email_reachable
    from {{ ref('contact_profile') }}
),

customer_base as (
    select
        cid,
        count(*) as contacts
    from profile
    where cid in (select computed.cid from computed)
    group by cid
),

per_segment as (
    select
        computed.segment_id,
        count(members.contact_id) as total_matched,
        count(case when profile.is_whatsapp_reachable then 1 end) as reachable_whatsapp,
        count(case when profile.is_email_reachable then 1 end) as reachable_email
    from computed
    left join members on computed.segment_id = members.segment_id
    left join profile
        on
            members.contact_id = profile.contact_id
            and members.cid = profile.cid
    group by computed.segment_id
),

moves as (
    select
        computed.segment_id,
        count(case when history.valid_from = {{ as_of_date() }} then 1 end) as entered,
        count(case when history.valid_to = {{ as_of_date() }} then 1 end) as exited
    from computed
    left join {{ source('segments', 'segment_membership') }} as history
        on computed.segment_id = history.segment_id
    group by computed.segment_id
)

select
    computed.segment_id,
    computed.cid,
    {{ as_of_date() }} as day,
    per_segment.total_matched,
    customer_base.contacts as total_customer_base,
    {{ percent('per_segment.total_matched', 'customer_base.contacts') }} as percentage_reach,
    moves.entered,
    moves.exited,
    per_segment.reachable_whatsapp,
    {{ percent('per_segment.reachable_whatsapp', 'per_segment.total_matched') }}
        as reachable_whatsapp_pct,
    per_segment.reachable_email,
    {{ percent('per_segment.reachable_email', 'per_segment.total_matched') }}
        as reachable_email_pct,
    {{ utc_now() }} as computed_at,
    computed.rule_set_hash
from computed
inner join per_segment on computed.segment_id = per_segment.segment_id
inner join moves on computed.segment_id = moves.segment_id
left join customer_base on computed.cid = customer_base.cid
