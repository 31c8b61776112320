{{ config(materialized=activity_mart_materialization()) }}
{#- Deals created on or before the day; the status is as of the day, the stage stored. -#}
select
    cid,
    deal_id,
    contact_id,
    pipeline,
    stage,
    status,
    amount,
    created_on,
    closed_on
from {{ ref('int_deals_as_of') }}
