{#-
    One row per contact that exists as of the day: every default, custom-Qontak, event,
    consent and loyalty field. Dates of events are tenant-local (`*_on`); timestamps stay
    UTC (`*_at`). A contact whose creation time is unknown exists on every day.
-#}
{% call stored_by_tenant() %}
select
    cid,
    contact_id,
    full_name,
    email,
    phone,
    job_title,
    city,
    address,
    gender,
    date_of_birth,
    source,
    status,
    owner_id,
    created_at,
    created_on,
    updated_at,
    updated_on,
    created_by,
    updated_by,
    whatsapp_consent,
    email_consent,
    consent_updated_on,
    phone is not null as has_valid_phone,
    email is not null as has_valid_email,
    phone is not null and coalesce(whatsapp_consent, false) as is_whatsapp_reachable,
    email is not null and coalesce(email_consent, false) as is_email_reachable,
    is_loyalty_member,
    loyalty_tier,
    loyalty_points_balance,
    loyalty_joined_on,
    loyalty_last_transaction_on,
    timezone,
    as_of_date
from {{ ref('int_contacts_as_of') }}
{% endcall %}
