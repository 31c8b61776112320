{#-
    The current members of each segment, with what the segment's list of customers
    shows: name, source, last activity, who added (created) the contact and its owner.
    "Current" is the segment's latest computed day: a build replaces the rows of the
    segments whose latest computed day is the day (a backfill of an earlier day leaves
    them alone) and drops those of segments that left the store (their latest computed
    day is the closing one, without a rule set).
-#}
{{ config(
    incremental_strategy=replacing_strategy(),
    partition_by=['segment_id'],
    pre_hook="{{ delete_rows_by(this, 'segment_id', replaced_matched_segments()) }}",
) }}

with current_segments as (
    select segment_id
    from {{ ref('int_segments_computed_as_of') }}
    where is_latest
)

select
    members.segment_id,
    members.cid,
    members.contact_id,
    profile.full_name,
    profile.source,
    metrics.last_activity_on,
    profile.created_by as added_by,
    profile.owner_id,
    {{ as_of_date() }} as day
from {{ ref('int_segment_members_as_of') }} as members
inner join current_segments on members.segment_id = current_segments.segment_id
inner join {{ ref('contact_profile') }} as profile
    on
        members.contact_id = profile.contact_id
        and members.cid = profile.cid
left join {{ ref('contact_metrics') }} as metrics
    on
        members.contact_id = metrics.contact_id
        and members.cid = metrics.cid
