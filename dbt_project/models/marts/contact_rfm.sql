{#-
    RFM per contact as of the day: the scores of `int_contacts_rfm_scored` and the label
    of the seed `rfm_segment_labels` (the 10-label r x f grid). A contact without a counted
    order has no scores and the label `No purchases`.
-#}
{% call stored_by_tenant() %}
with contacts as (
    select
        cid,
        contact_id,
        as_of_date
    from {{ ref('int_contacts_as_of') }}
),

scored as (
    select * from {{ ref('int_contacts_rfm_scored') }}
),

labels as (
    select
        r_score,
        f_score,
        rfm_label
    from {{ ref('rfm_segment_labels') }}
)

select
    contacts.cid,
    contacts.contact_id,
    scored.recency_days,
    coalesce(scored.frequency, 0) as frequency,
    {{ money('coalesce(scored.monetary, 0)') }} as monetary,
    scored.r_score,
    scored.f_score,
    scored.m_score,
    case when scored.r_score is not null
            then cast(scored.r_score as {{ dbt.type_string() }})
                || cast(scored.f_score as {{ dbt.type_string() }})
                || cast(scored.m_score as {{ dbt.type_string() }})
    end as rfm_score,
    coalesce(labels.rfm_label, 'No purchases') as rfm_label,
    contacts.as_of_date
from contacts
left join scored on contacts.contact_id = scored.contact_id and contacts.cid = scored.cid
left join labels on scored.r_score = labels.r_score and scored.f_score = labels.f_score
{% endcall %}
