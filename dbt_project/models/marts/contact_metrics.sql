{#-
    Aggregate metrics per contact as of the day, by group: Communication, Service, Sales,
    Marketing, Commerce, Loyalty and Recency. Every count is 0 (not NULL) for a contact
    without such activity; rates and averages are NULL when their denominator is 0.
    Rates are percentages (0-100).
-#}
with profile as (
    select cid, contact_id, as_of_date, loyalty_joined_on, loyalty_last_transaction_on
    from {{ ref('contact_profile') }}
),

conversations as (
    select
        cid,
        contact_id,
        count(*) as conversations_total,
        count(case when started_on > {{ dbt.dateadd('day', -30, as_of_date()) }} then 1 end)
            as conversations_last_30_days,
        count(case when channel = 'whatsapp' then 1 end) as whatsapp_conversations_total,
        count(case when status = 'open' then 1 end) as conversations_open,
        cast(sum(message_count) as bigint) as messages_total,
        max(started_on) as last_conversation_on
    from {{ ref('contact_conversations') }}
    group by cid, contact_id
),

tickets as (
    select
        cid,
        contact_id,
        count(*) as tickets_total,
        count(case when not is_resolved then 1 end) as tickets_open,
        count(case when is_resolved then 1 end) as tickets_resolved,
        avg(resolution_hours) as avg_resolution_hours,
        max(created_on) as last_ticket_on
    from {{ ref('contact_tickets') }}
    group by cid, contact_id
),

deals as (
    select
        cid,
        contact_id,
        count(*) as deals_total,
        count(case when status = 'open' then 1 end) as deals_open,
        count(case when status = 'won' then 1 end) as deals_won,
        count(case when status = 'lost' then 1 end) as deals_lost,
        {{ money("sum(case when status = 'won' then amount else 0 end)") }} as deals_won_amount,
        max(created_on) as last_deal_on
    from {{ ref('contact_deals') }}
    group by cid, contact_id
),

campaigns as (
    select
        cid,
        contact_id,
        count(case when status <> 'failed' then 1 end) as campaigns_received,
        count(case when status in ('read', 'replied') then 1 end) as campaigns_read,
        count(case when status = 'replied' then 1 end) as campaigns_replied,
        max(sent_on) as last_campaign_on,
        max(case when status in ('read', 'replied') then status_on end) as last_campaign_engagement_on
    from {{ ref('contact_campaigns') }}
    group by cid, contact_id
),

orders as (
    select
        cid,
        contact_id,
        count(case when is_counted then 1 end) as orders_total,
        count(case when is_counted and ordered_on > {{ dbt.dateadd('day', -30, as_of_date()) }}
            then 1 end) as orders_last_30_days,
        {{ money('sum(case when is_counted then amount else 0 end)') }} as total_spent,
        max(case when is_counted then ordered_on end) as last_order_on
    from {{ ref('contact_orders') }}
    group by cid, contact_id
),

joined as (
    select
        profile.cid,
        profile.contact_id,
        profile.as_of_date,
        coalesce(conversations.conversations_total, 0) as conversations_total,
        coalesce(conversations.conversations_last_30_days, 0) as conversations_last_30_days,
        coalesce(conversations.whatsapp_conversations_total, 0) as whatsapp_conversations_total,
        coalesce(conversations.conversations_open, 0) as conversations_open,
        coalesce(conversations.messages_total, 0) as messages_total,
        conversations.last_conversation_on,
        coalesce(tickets.tickets_total, 0) as tickets_total,
        coalesce(tickets.tickets_open, 0) as tickets_open,
        coalesce(tickets.tickets_resolved, 0) as tickets_resolved,
        tickets.avg_resolution_hours,
        tickets.last_ticket_on,
        coalesce(deals.deals_total, 0) as deals_total,
        coalesce(deals.deals_open, 0) as deals_open,
        coalesce(deals.deals_won, 0) as deals_won,
        coalesce(deals.deals_lost, 0) as deals_lost,
        coalesce(deals.deals_won_amount, 0) as deals_won_amount,
        deals.last_deal_on,
        coalesce(campaigns.campaigns_received, 0) as campaigns_received,
        coalesce(campaigns.campaigns_read, 0) as campaigns_read,
        coalesce(campaigns.campaigns_replied, 0) as campaigns_replied,
        campaigns.last_campaign_on,
        campaigns.last_campaign_engagement_on,
        coalesce(orders.orders_total, 0) as orders_total,
        coalesce(orders.orders_last_30_days, 0) as orders_last_30_days,
        coalesce(orders.total_spent, 0) as total_spent,
        orders.last_order_on,
        profile.loyalty_joined_on,
        profile.loyalty_last_transaction_on
    from profile
    left join conversations on profile.contact_id = conversations.contact_id and profile.cid = conversations.cid
    left join tickets on profile.contact_id = tickets.contact_id and profile.cid = tickets.cid
    left join deals on profile.contact_id = deals.contact_id and profile.cid = deals.cid
    left join campaigns on profile.contact_id = campaigns.contact_id and profile.cid = campaigns.cid
    left join orders on profile.contact_id = orders.contact_id and profile.cid = orders.cid
),

with_recency as (
    select
        joined.*,
        greatest(
            last_conversation_on, last_ticket_on, last_deal_on, last_campaign_engagement_on,
            last_order_on, loyalty_last_transaction_on
        ) as last_activity_on
    from joined
)

select
    cid,
    contact_id,
    -- Communication
    conversations_total,
    conversations_last_30_days,
    whatsapp_conversations_total,
    conversations_open,
    messages_total,
    last_conversation_on,
    -- Service
    tickets_total,
    tickets_open,
    tickets_resolved,
    avg_resolution_hours,
    last_ticket_on,
    -- Sales
    deals_total,
    deals_open,
    deals_won,
    deals_lost,
    case when deals_won + deals_lost > 0
        then 100.0 * deals_won / (deals_won + deals_lost) end as deal_win_rate,
    deals_won_amount,
    last_deal_on,
    -- Marketing
    campaigns_received,
    campaigns_read,
    campaigns_replied,
    case when campaigns_received > 0
        then 100.0 * campaigns_read / campaigns_received end as campaign_read_rate,
    case when campaigns_received > 0
        then 100.0 * campaigns_replied / campaigns_received end as campaign_reply_rate,
    last_campaign_on,
    last_campaign_engagement_on,
    -- Commerce
    orders_total,
    orders_last_30_days,
    total_spent,
    case when orders_total > 0 then {{ money('total_spent / orders_total') }} end
        as average_order_value,
    last_order_on,
    -- Loyalty
    {{ dbt.datediff('loyalty_joined_on', 'as_of_date', 'day') }} as loyalty_membership_days,
    {{ dbt.datediff('loyalty_last_transaction_on', 'as_of_date', 'day') }}
        as days_since_last_loyalty_transaction,
    -- Recency
    last_activity_on,
    {{ dbt.datediff('last_activity_on', 'as_of_date', 'day') }} as days_since_last_activity,
    as_of_date
from with_recency
{{ cluster_by_tenant() }}
