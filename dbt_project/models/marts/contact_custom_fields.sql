{#- A tenant's own (custom) field values: one row per existing contact and field, typed. -#}
{% call stored_by_tenant() %}
select
    field_values.cid,
    field_values.contact_id,
    field_values.field_id,
    field_values.field_name,
    field_values.field_type,
    field_values.value_text,
    field_values.value_number,
    field_values.value_date,
    field_values.value_boolean,
    field_values.value_options
from {{ ref('int_custom_field_values_typed') }} as field_values
inner join {{ ref('int_contacts_as_of') }} as contacts
    on field_values.contact_id = contacts.contact_id and field_values.cid = contacts.cid
{% endcall %}
