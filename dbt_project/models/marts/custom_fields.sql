{#- Every tenant's own field definitions: the custom part of the field palette. -#}
select
    cid,
    field_id,
    field_name,
    field_type,
    options
from {{ ref('stg_crm__custom_field_definitions') }}
