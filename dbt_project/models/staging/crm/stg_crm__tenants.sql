with source as (
    select * from {{ source('crm', 'tenants') }}
)

select
    cid,
    {{ clean_text('name') }} as tenant_name,
    {{ clean_code('package_tier') }} as package_tier,
    coalesce({{ clean_text('timezone') }}, '{{ default_timezone() }}') as timezone
from source
