with source as (
    {{ deduplicated(source('raw', 'crm_contact_companies'), 'contact_id, company_id', 'company_id') }}
)

select cid, contact_id, company_id
from source
