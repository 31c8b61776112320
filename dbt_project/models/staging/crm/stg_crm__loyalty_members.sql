with source as (
    select * from {{ source('crm', 'loyalty_members') }}
)

select
    cid,
    contact_id,
    {{ clean_text('tier') }} as loyalty_tier,
    points_balance as loyalty_points_balance,
    joined_at as loyalty_joined_at,
    last_transaction_at as loyalty_last_transaction_at
from source
