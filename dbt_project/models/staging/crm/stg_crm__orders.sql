with source as (
    {{ deduplicated(source('raw', 'crm_orders'), 'order_id', 'ordered_at') }}
)

select
    cid,
    order_id,
    contact_id,
    amount,
    lower(status) as status,
    lower(status) not in ('cancelled', 'refunded') as is_counted,
    ordered_at
from source
