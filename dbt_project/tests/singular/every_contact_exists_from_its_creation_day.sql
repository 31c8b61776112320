{#-
    Every clean contact is in the profile on every day from its creation day on (a
    contact whose creation time is unknown: on every day). A row here is a contact the
    profile lost. It converts dates by the engine, not by the clocks' fast path.
-#}
{{ config(meta={'dagster': {'ref': {'name': 'contact_profile'}}}) }}

select
    contacts.cid,
    contacts.contact_id
from {{ ref('stg_crm__contacts') }} as contacts
inner join {{ ref('stg_crm__tenants') }} as tenants on contacts.cid = tenants.cid
left join {{ ref('contact_profile') }} as profile
    on contacts.contact_id = profile.contact_id and contacts.cid = profile.cid
where profile.contact_id is null
    and (
        contacts.created_at is null
        or {{ local_date_in_zone('contacts.created_at', 'tenants.timezone') }} <= {{ as_of_date() }}
    )
