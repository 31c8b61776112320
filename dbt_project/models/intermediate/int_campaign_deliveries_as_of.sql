{{ config(materialized='table') }}
{#-
    Campaign deliveries sent on or before the day. A recipient's status is as of the day:
    a status reached later (a read the next morning) shows as `sent`.
-#}
with recipients as (
    select * from {{ ref('stg_crm__campaign_recipients') }}
),

campaigns as (
    select * from {{ ref('stg_crm__campaigns') }}
),

clocks as (
    select * from {{ ref('int_tenant_clocks') }}
)

select
    recipients.cid,
    recipients.campaign_id,
    recipients.contact_id,
    campaigns.campaign_name,
    campaigns.channel,
    case when recipients.status_at < clocks.day_end_utc then recipients.status else 'sent' end
        as status,
    {{ local_date('campaigns.sent_at', 'clocks') }} as sent_on,
    case when recipients.status_at < clocks.day_end_utc
            then {{ local_date('recipients.status_at', 'clocks') }}
    end as status_on
from recipients
inner join campaigns
    on recipients.campaign_id = campaigns.campaign_id and recipients.cid = campaigns.cid
inner join clocks on recipients.cid = clocks.cid
where campaigns.sent_at < clocks.day_end_utc
