{#-
    Deals created on or before the day. Only the status is as of the day (a deal closed
    after the day is still open then); the stage is the deal's stored stage.
-#}
with deals as (
    select
        deals.*,
        {{ local_date('deals.created_at', 'tenants.timezone') }} as created_on,
        {{ local_date('deals.closed_at', 'tenants.timezone') }} as closed_on
    from {{ ref('stg_crm__deals') }} as deals
    inner join {{ ref('stg_crm__tenants') }} as tenants on deals.cid = tenants.cid
)

select
    cid,
    deal_id,
    contact_id,
    pipeline,
    stage,
    case when closed_on <= {{ as_of_date() }} then status else 'open' end as status,
    amount,
    created_on,
    case when closed_on <= {{ as_of_date() }} then closed_on end as closed_on
from deals
where created_on <= {{ as_of_date() }}
{{ cluster_by_tenant() }}
