with source as (
    select * from {{ source('crm', 'contact_companies') }}
)

select
    cid,
    contact_id,
    company_id
from source
