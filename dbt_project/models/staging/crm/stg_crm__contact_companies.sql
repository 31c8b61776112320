with source as (
    select * from {{ source('raw', 'crm_contact_companies') }}
)

select cid, contact_id, company_id
from source
