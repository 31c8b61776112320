{#- A tenant's own (custom) field values: one row per contact and field, typed. -#}
with profile as (
    select cid, contact_id from {{ ref('contact_profile') }}
),

definitions as (
    select field_id, field_name from {{ ref('stg_crm__custom_field_definitions') }}
)

select
    values_.cid,
    values_.contact_id,
    values_.field_id,
    definitions.field_name,
    values_.field_type,
    values_.value_text,
    values_.value_number,
    values_.value_date,
    values_.value_boolean,
    values_.value_options
from {{ ref('stg_crm__custom_field_values') }} as values_
inner join profile on values_.contact_id = profile.contact_id and values_.cid = profile.cid
inner join definitions on values_.field_id = definitions.field_id
{{ cluster_by_tenant() }}
