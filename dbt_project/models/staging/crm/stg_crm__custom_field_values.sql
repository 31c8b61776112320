{#- A tenant's custom field values as exported: text, cleaned; typed in intermediate. -#}
with source as (
    select * from {{ source('crm', 'custom_field_values') }}
)

select
    cid,
    contact_id,
    field_id,
    value as value_raw,
    {{ clean_text('value') }} as value_text
from source
