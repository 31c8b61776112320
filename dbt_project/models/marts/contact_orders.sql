{{ config(materialized=activity_mart_materialization()) }}
{#- Orders placed on or before the day; cancelled and refunded ones are not counted. -#}
select
    cid,
    order_id,
    contact_id,
    amount,
    status,
    is_counted,
    ordered_on
from {{ ref('int_orders_as_of') }}
