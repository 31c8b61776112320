with source as (
    {{ deduplicated(source('raw', 'crm_tenants'), 'cid', 'cid') }}
)

select
    cid,
    {{ clean_text('name') }} as tenant_name,
    package_tier,
    coalesce({{ clean_text('timezone') }}, 'Asia/Jakarta') as timezone
from source
