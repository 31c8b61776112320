{#-
    Recency, frequency and monetary value per contact as of the day, with 1-5 scores
    within each tenant and the label from the seed `rfm_segment_labels` (the 10-label
    r x f grid). Only counted orders (not cancelled or refunded) placed on or before the
    day count. A contact without one has no scores and the label `No purchases`.

    score = 1 + floor(5 * (rank - 1) / n), rank = RANK() from worst to best among the
    tenant's n scored contacts: equal values share a score, 5 is the best.
-#}
with profile as (
    select cid, contact_id, as_of_date from {{ ref('contact_profile') }}
),

purchases as (
    select
        cid,
        contact_id,
        max(ordered_on) as last_order_on,
        count(*) as frequency,
        {{ money('sum(amount)') }} as monetary
    from {{ ref('contact_orders') }}
    where is_counted
    group by cid, contact_id
),

measured as (
    select
        purchases.*,
        {{ dbt.datediff('purchases.last_order_on', 'profile.as_of_date', 'day') }} as recency_days
    from purchases
    inner join profile on purchases.contact_id = profile.contact_id and purchases.cid = profile.cid
),

ranked as (
    select
        measured.*,
        count(*) over (partition by cid) as scored_contacts,
        rank() over (partition by cid order by recency_days desc) as recency_rank,
        rank() over (partition by cid order by frequency asc) as frequency_rank,
        rank() over (partition by cid order by monetary asc) as monetary_rank
    from measured
),

scored as (
    select
        cid,
        contact_id,
        recency_days,
        frequency,
        monetary,
        cast(1 + floor(5.0 * (recency_rank - 1) / scored_contacts) as integer) as r_score,
        cast(1 + floor(5.0 * (frequency_rank - 1) / scored_contacts) as integer) as f_score,
        cast(1 + floor(5.0 * (monetary_rank - 1) / scored_contacts) as integer) as m_score
    from ranked
),

labels as (
    select r_score, f_score, rfm_label from {{ ref('rfm_segment_labels') }}
)

select
    profile.cid,
    profile.contact_id,
    scored.recency_days,
    coalesce(scored.frequency, 0) as frequency,
    coalesce(scored.monetary, 0) as monetary,
    scored.r_score,
    scored.f_score,
    scored.m_score,
    case when scored.r_score is not null
        then cast(scored.r_score as {{ dbt.type_string() }})
            || cast(scored.f_score as {{ dbt.type_string() }})
            || cast(scored.m_score as {{ dbt.type_string() }})
    end as rfm_score,
    coalesce(labels.rfm_label, 'No purchases') as rfm_label,
    profile.as_of_date
from profile
left join scored on profile.contact_id = scored.contact_id and profile.cid = scored.cid
left join labels on scored.r_score = labels.r_score and scored.f_score = labels.f_score
{{ cluster_by_tenant() }}
