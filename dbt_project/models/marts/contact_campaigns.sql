{#-
    Campaign deliveries sent on or before the day. A recipient's status is as of the
    day: a status reached later (a read the next morning) shows as `sent`.
-#}
with recipients as (
    select
        recipients.cid,
        recipients.campaign_id,
        recipients.contact_id,
        recipients.status,
        campaigns.campaign_name,
        campaigns.channel,
        {{ local_date('campaigns.sent_at', 'tenants.timezone') }} as sent_on,
        {{ local_date('recipients.status_at', 'tenants.timezone') }} as status_on
    from {{ ref('stg_crm__campaign_recipients') }} as recipients
    inner join {{ ref('stg_crm__campaigns') }} as campaigns
        on recipients.campaign_id = campaigns.campaign_id and recipients.cid = campaigns.cid
    inner join {{ ref('stg_crm__tenants') }} as tenants on recipients.cid = tenants.cid
)

select
    cid,
    campaign_id,
    contact_id,
    campaign_name,
    channel,
    case when status_on <= {{ as_of_date() }} then status else 'sent' end as status,
    sent_on,
    case when status_on <= {{ as_of_date() }} then status_on end as status_on
from recipients
where sent_on <= {{ as_of_date() }}
{{ cluster_by_tenant() }}
