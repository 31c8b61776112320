{#-
    One row per contact that exists as of the day: every default, custom-Qontak, event,
    consent and loyalty field. Dates of events are tenant-local (`*_on`); timestamps
    stay UTC (`*_at`). Attribute values are the latest known (the CRM keeps no history
    of them). Contacts created after the day are left out; a contact whose creation time
    is unknown exists on every day.
-#}
with contacts as (
    select * from {{ ref('stg_crm__contacts') }}
),

tenants as (
    select cid, timezone from {{ ref('stg_crm__tenants') }}
),

loyalty as (
    select * from {{ ref('stg_crm__loyalty_members') }}
),

profile as (
    select
        contacts.cid,
        contacts.contact_id,
        contacts.full_name,
        contacts.email,
        contacts.phone,
        contacts.job_title,
        contacts.city,
        contacts.address,
        contacts.gender,
        contacts.date_of_birth,
        contacts.source,
        contacts.status,
        contacts.owner_id,
        contacts.created_at,
        {{ local_date('contacts.created_at', 'tenants.timezone') }} as created_on,
        contacts.updated_at,
        {{ local_date('contacts.updated_at', 'tenants.timezone') }} as updated_on,
        contacts.created_by,
        contacts.updated_by,
        contacts.whatsapp_consent,
        contacts.email_consent,
        {{ local_date('contacts.consent_updated_at', 'tenants.timezone') }} as consent_updated_on,
        contacts.phone is not null as has_valid_phone,
        contacts.email is not null as has_valid_email,
        contacts.phone is not null and coalesce(contacts.whatsapp_consent, false) as is_whatsapp_reachable,
        contacts.email is not null and coalesce(contacts.email_consent, false) as is_email_reachable,
        loyalty.contact_id is not null
            and {{ local_date('loyalty.loyalty_joined_at', 'tenants.timezone') }} <= {{ as_of_date() }}
            as is_loyalty_member,
        loyalty.loyalty_tier,
        loyalty.loyalty_points_balance,
        {{ local_date('loyalty.loyalty_joined_at', 'tenants.timezone') }} as loyalty_joined_on,
        {{ local_date('loyalty.loyalty_last_transaction_at', 'tenants.timezone') }} as loyalty_last_transaction_on,
        tenants.timezone,
        {{ as_of_date() }} as as_of_date
    from contacts
    inner join tenants on contacts.cid = tenants.cid
    left join loyalty on contacts.contact_id = loyalty.contact_id and contacts.cid = loyalty.cid
)

select
    cid, contact_id, full_name, email, phone, job_title, city, address, gender, date_of_birth,
    source, status, owner_id, created_at, created_on, updated_at, updated_on, created_by,
    updated_by, whatsapp_consent, email_consent, consent_updated_on, has_valid_phone,
    has_valid_email, is_whatsapp_reachable, is_email_reachable, is_loyalty_member,
    case when is_loyalty_member then loyalty_tier end as loyalty_tier,
    case when is_loyalty_member then loyalty_points_balance end as loyalty_points_balance,
    case when is_loyalty_member then loyalty_joined_on end as loyalty_joined_on,
    case when is_loyalty_member and loyalty_last_transaction_on <= as_of_date
        then loyalty_last_transaction_on end as loyalty_last_transaction_on,
    timezone,
    as_of_date
from profile
where created_on is null or created_on <= as_of_date
{{ cluster_by_tenant() }}
