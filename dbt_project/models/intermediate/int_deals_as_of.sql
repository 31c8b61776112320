{{ config(materialized='table') }}
{#-
    Deals created on or before the day. Only the status is as of the day (a deal closed
    after the day is still open then); the stage is the deal's stored stage.
-#}
with deals as (
    select * from {{ ref('stg_crm__deals') }}
),

clocks as (
    select * from {{ ref('int_tenant_clocks') }}
)

select
    deals.cid,
    deals.deal_id,
    deals.contact_id,
    deals.pipeline,
    deals.stage,
    case when deals.closed_at < clocks.day_end_utc then deals.status else 'open' end as status,
    deals.amount,
    {{ local_date('deals.created_at', 'clocks') }} as created_on,
    case when deals.closed_at < clocks.day_end_utc
            then {{ local_date('deals.closed_at', 'clocks') }}
    end as closed_on
from deals
inner join clocks on deals.cid = clocks.cid
where deals.created_at < clocks.day_end_utc
