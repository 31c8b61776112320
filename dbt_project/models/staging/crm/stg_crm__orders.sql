with source as (
    select * from {{ source('crm', 'orders') }}
)

select
    cid,
    order_id,
    contact_id,
    amount,
    {{ clean_code('status') }} as status,
    coalesce({{ clean_code('status') }} not in ('cancelled', 'refunded'), true) as is_counted,
    ordered_at
from source
