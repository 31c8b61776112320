{{ config(materialized='table') }}
{#- Orders placed on or before the day; cancelled and refunded ones are not counted. -#}
with orders as (
    select * from {{ ref('stg_crm__orders') }}
),

clocks as (
    select * from {{ ref('int_tenant_clocks') }}
)

select
    orders.cid,
    orders.order_id,
    orders.contact_id,
    orders.amount,
    orders.status,
    orders.is_counted,
    {{ local_date('orders.ordered_at', 'clocks') }} as ordered_on
from orders
inner join clocks on orders.cid = clocks.cid
where orders.ordered_at < clocks.day_end_utc
