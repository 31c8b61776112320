with source as (
    select * from {{ source('crm', 'contacts') }}
)

select
    cid,
    contact_id,
    {{ clean_text('full_name') }} as full_name,
    {{ lower_text(clean_text('email')) }} as email,
    {{ clean_text('phone') }} as phone,
    {{ clean_text('job_title') }} as job_title,
    {{ clean_text('city') }} as city,
    {{ clean_text('address') }} as address,
    {{ clean_code('gender') }} as gender,
    date_of_birth,
    {{ clean_text('source') }} as source,
    {{ clean_text('status') }} as status,
    {{ clean_text('owner_id') }} as owner_id,
    created_at,
    updated_at,
    {{ clean_text('created_by') }} as created_by,
    {{ clean_text('updated_by') }} as updated_by,
    whatsapp_consent,
    email_consent,
    consent_updated_at
from source
