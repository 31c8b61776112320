{#- Tickets created on or before the day; resolved only if resolved by then. -#}
with tickets as (
    select
        tickets.*,
        {{ local_date('tickets.created_at', 'tenants.timezone') }} as created_on,
        {{ local_date('tickets.resolved_at', 'tenants.timezone') }} as resolved_on
    from {{ ref('stg_crm__tickets') }} as tickets
    inner join {{ ref('stg_crm__tenants') }} as tenants on tickets.cid = tenants.cid
)

select
    cid,
    ticket_id,
    contact_id,
    case when resolved_on <= {{ as_of_date() }} then status
        when status in ('resolved', 'closed') then 'open'
        else status end as status,
    coalesce(resolved_on <= {{ as_of_date() }}, false) as is_resolved,
    priority,
    category,
    created_on,
    case when resolved_on <= {{ as_of_date() }} then resolved_on end as resolved_on,
    case when resolved_on <= {{ as_of_date() }}
        then {{ dbt.datediff('created_at', 'resolved_at', 'second') }} / 3600.0
    end as resolution_hours
from tickets
where created_on <= {{ as_of_date() }}
{{ cluster_by_tenant() }}
