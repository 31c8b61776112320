{#-
    Custom field values typed by their field's type: exactly one value_* column is set, by
    type; a value that does not parse as its type is NULL there (value_raw keeps it).
-#}
with field_values as (
    select * from {{ ref('stg_crm__custom_field_values') }}
),

definitions as (
    select
        field_id,
        field_name,
        field_type
    from {{ ref('stg_crm__custom_field_definitions') }}
)

select
    field_values.cid,
    field_values.contact_id,
    field_values.field_id,
    definitions.field_name,
    definitions.field_type,
    field_values.value_raw,
    case when definitions.field_type in (
                'single_line_text', 'text_area', 'url', 'dropdown_select', 'upload', 'signature', 'gps'
            ) then field_values.value_text
    end as value_text,
    case when definitions.field_type in ('number', 'percentage')
            then {{ try_cast('field_values.value_text', 'double') }}
    end as value_number,
    case when definitions.field_type = 'date'
            then {{ try_cast('field_values.value_text', 'date') }}
    end as value_date,
    case when definitions.field_type = 'boolean'
            then {{ try_cast('field_values.value_text', 'boolean') }}
    end as value_boolean,
    case when definitions.field_type = 'multiple_select'
            then {{ clean_text_list('field_values.value_raw') }}
    end as value_options
from field_values
inner join definitions on field_values.field_id = definitions.field_id
