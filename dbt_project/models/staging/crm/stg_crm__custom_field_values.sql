{#-
    Custom field values typed by their field's type. Exactly one value_* column is set,
    by type; a value that does not parse as its type is NULL in the typed column and
    kept verbatim in value_raw.
-#}
with source as (
    select * from {{ source('raw', 'crm_custom_field_values') }}
),

definitions as (
    select field_id, field_type from {{ ref('stg_crm__custom_field_definitions') }}
)

select
    source.cid,
    source.contact_id,
    source.field_id,
    definitions.field_type,
    source.value as value_raw,
    case when definitions.field_type in (
        'single_line_text', 'text_area', 'url', 'dropdown_select', 'upload', 'signature', 'gps'
    ) then {{ clean_text('source.value') }} end as value_text,
    case when definitions.field_type in ('number', 'percentage')
        then {{ dbt.safe_cast(clean_text('source.value'), 'double') }}
    end as value_number,
    case when definitions.field_type = 'date'
        then {{ dbt.safe_cast(clean_text('source.value'), 'date') }}
    end as value_date,
    case when definitions.field_type = 'boolean'
        then {{ dbt.safe_cast(clean_text('source.value'), 'boolean') }}
    end as value_boolean,
    case when definitions.field_type = 'multiple_select'
        then {{ clean_text_list('source.value') }}
    end as value_options
from source
inner join definitions on source.field_id = definitions.field_id
