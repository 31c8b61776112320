{#-
    The members of each segment computed on the day, counted by source, domicile (city),
    age bucket and gender; a missing value is the bucket `unknown`, so each dimension
    adds up to the segment's total_matched. Age is whole years on the day. Each build
    replaces the day's rows; other days stay.
-#}
{{ config(
    incremental_strategy=replacing_strategy(),
    partition_by=['day'],
    pre_hook="{{ delete_rows_by(this, 'day', 'select ' ~ as_of_date()) }}",
) }}

with people as (
    select
        members.segment_id,
        members.cid,
        profile.source,
        profile.city,
        profile.gender,
        year({{ as_of_date() }}) - year(profile.date_of_birth)
        - case
            when
                month({{ as_of_date() }}) * 100 + dayofmonth({{ as_of_date() }})
                < month(profile.date_of_birth) * 100 + dayofmonth(profile.date_of_birth)
                then 1
            else 0
        end as age
    from {{ ref('int_segment_members_as_of') }} as members
    inner join {{ ref('contact_profile') }} as profile
        on
            members.contact_id = profile.contact_id
            and members.cid = profile.cid
),

buckets as (
    select
        segment_id,
        cid,
        'source' as dimension,
        coalesce(source, 'unknown') as bucket
    from people
    union all
    select
        segment_id,
        cid,
        'domicile' as dimension,
        coalesce(city, 'unknown') as bucket
    from people
    union all
    select
        segment_id,
        cid,
        'age' as dimension,
        case
            when age is null or age < 0 then 'unknown'
            when age < 18 then 'under 18'
            when age < 25 then '18-24'
            when age < 35 then '25-34'
            when age < 45 then '35-44'
            when age < 55 then '45-54'
            when age < 65 then '55-64'
            else '65+'
        end as bucket
    from people
    union all
    select
        segment_id,
        cid,
        'gender' as dimension,
        coalesce(gender, 'unknown') as bucket
    from people
)

select
    segment_id,
    cid,
    {{ as_of_date() }} as day,
    dimension,
    bucket,
    count(*) as contacts
from buckets
group by segment_id, cid, dimension, bucket
