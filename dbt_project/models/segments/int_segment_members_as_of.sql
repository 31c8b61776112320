{#-
    The members on the day of each segment computed that day: the history's rows whose
    stretch covers the day (valid_from <= day < valid_to, an open stretch having no
    valid_to).
-#}
{{ config(materialized='ephemeral') }}

select
    membership.segment_id,
    membership.cid,
    membership.contact_id
from {{ source('segments', 'segment_membership') }} as membership
inner join {{ ref('int_segments_computed_as_of') }} as computed
    on membership.segment_id = computed.segment_id
where
    membership.valid_from <= {{ as_of_date() }}
    and (membership.valid_to is null or membership.valid_to > {{ as_of_date() }})
