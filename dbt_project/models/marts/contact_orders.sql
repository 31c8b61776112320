{#- Orders placed on or before the day; cancelled and refunded ones are not counted. -#}
select
    orders.cid,
    orders.order_id,
    orders.contact_id,
    orders.amount,
    orders.status,
    orders.is_counted,
    {{ local_date('orders.ordered_at', 'tenants.timezone') }} as ordered_on
from {{ ref('stg_crm__orders') }} as orders
inner join {{ ref('stg_crm__tenants') }} as tenants on orders.cid = tenants.cid
where {{ local_date('orders.ordered_at', 'tenants.timezone') }} <= {{ as_of_date() }}
{{ cluster_by_tenant() }}
