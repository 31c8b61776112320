{{ config(materialized=activity_mart_materialization()) }}
{#- Campaign deliveries sent on or before the day, with their status as of that day. -#}
select
    cid,
    campaign_id,
    contact_id,
    campaign_name,
    channel,
    status,
    sent_on,
    status_on
from {{ ref('int_campaign_deliveries_as_of') }}
