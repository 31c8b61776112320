{#- Per contact: campaign deliveries as of the day (the Marketing metrics). -#}
select
    cid,
    contact_id,
    count(case when status <> 'failed' then 1 end) as campaigns_received,
    count(case when status in ('read', 'replied') then 1 end) as campaigns_read,
    count(case when status = 'replied' then 1 end) as campaigns_replied,
    max(sent_on) as last_campaign_on,
    max(case when status in ('read', 'replied') then status_on end)
        as last_campaign_engagement_on
from {{ ref('int_campaign_deliveries_as_of') }}
group by cid, contact_id
