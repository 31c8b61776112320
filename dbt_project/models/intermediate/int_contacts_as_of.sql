{{ config(materialized='table') }}
{#-
    The contacts that exist on the day (created on or before it, or at an unknown time),
    with their loyalty membership as of the day and their dates in the tenant's zone.
    Attribute values are the latest known: the CRM keeps no history of them.
-#}
with contacts as (
    select * from {{ ref('stg_crm__contacts') }}
),

clocks as (
    select * from {{ ref('int_tenant_clocks') }}
),

loyalty as (
    select * from {{ ref('stg_crm__loyalty_members') }}
)

select
    contacts.*,
    {{ local_date('contacts.created_at', 'clocks') }} as created_on,
    {{ local_date('contacts.updated_at', 'clocks') }} as updated_on,
    {{ local_date('contacts.consent_updated_at', 'clocks') }} as consent_updated_on,
    coalesce(loyalty.loyalty_joined_at < clocks.day_end_utc, false) as is_loyalty_member,
    case when loyalty.loyalty_joined_at < clocks.day_end_utc then loyalty.loyalty_tier end
        as loyalty_tier,
    case when loyalty.loyalty_joined_at < clocks.day_end_utc then loyalty.loyalty_points_balance end
        as loyalty_points_balance,
    case when loyalty.loyalty_joined_at < clocks.day_end_utc
            then {{ local_date('loyalty.loyalty_joined_at', 'clocks') }}
    end as loyalty_joined_on,
    case
        when loyalty.loyalty_joined_at < clocks.day_end_utc
            and loyalty.loyalty_last_transaction_at < clocks.day_end_utc
            then {{ local_date('loyalty.loyalty_last_transaction_at', 'clocks') }}
    end as loyalty_last_transaction_on,
    clocks.timezone,
    clocks.as_of_date
from contacts
inner join clocks on contacts.cid = clocks.cid
left join loyalty on contacts.contact_id = loyalty.contact_id and contacts.cid = loyalty.cid
where contacts.created_at is null or contacts.created_at < clocks.day_end_utc
