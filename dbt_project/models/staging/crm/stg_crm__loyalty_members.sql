with source as (
    {{ deduplicated(source('raw', 'crm_loyalty_members'), 'contact_id', 'joined_at desc') }}
)

select
    cid,
    contact_id,
    tier as loyalty_tier,
    points_balance as loyalty_points_balance,
    joined_at as loyalty_joined_at,
    last_transaction_at as loyalty_last_transaction_at
from source
