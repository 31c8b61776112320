with source as (
    select * from {{ source('crm', 'companies') }}
)

select
    cid,
    company_id,
    {{ clean_text('name') }} as company_name,
    {{ clean_text('industry') }} as industry,
    {{ clean_text('size') }} as company_size
from source
