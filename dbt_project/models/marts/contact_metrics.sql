{#-
    Aggregate metrics per contact as of the day, by group: Communication, Service, Sales,
    Marketing, Commerce, Loyalty and Recency. Every count is 0 (not NULL) for a contact
    without such activity; rates and averages are NULL when their denominator is 0.
    Rates are percentages (0-100), doubles on every engine (a bare `100.0 *` makes a
    decimal on Spark).
-#}
{% call stored_by_tenant() %}
with contacts as (
    select
        cid,
        contact_id,
        as_of_date,
        loyalty_last_transaction_on,
        loyalty_joined_on
    from {{ ref('int_contacts_as_of') }}
),

joined as (
    select
        contacts.*,
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
        {{ money('coalesce(deals.deals_won_amount, 0)') }} as deals_won_amount,
        deals.last_deal_on,
        coalesce(campaigns.campaigns_received, 0) as campaigns_received,
        coalesce(campaigns.campaigns_read, 0) as campaigns_read,
        coalesce(campaigns.campaigns_replied, 0) as campaigns_replied,
        campaigns.last_campaign_on,
        campaigns.last_campaign_engagement_on,
        coalesce(orders.orders_total, 0) as orders_total,
        coalesce(orders.orders_last_30_days, 0) as orders_last_30_days,
        {{ money('coalesce(orders.total_spent, 0)') }} as total_spent,
        orders.last_order_on
    from contacts
    left join {{ ref('int_conversations_aggregated_to_contacts') }} as conversations
        on contacts.contact_id = conversations.contact_id and contacts.cid = conversations.cid
    left join {{ ref('int_tickets_aggregated_to_contacts') }} as tickets
        on contacts.contact_id = tickets.contact_id and contacts.cid = tickets.cid
    left join {{ ref('int_deals_aggregated_to_contacts') }} as deals
        on contacts.contact_id = deals.contact_id and contacts.cid = deals.cid
    left join {{ ref('int_campaign_deliveries_aggregated_to_contacts') }} as campaigns
        on contacts.contact_id = campaigns.contact_id and contacts.cid = campaigns.cid
    left join {{ ref('int_orders_aggregated_to_contacts') }} as orders
        on contacts.contact_id = orders.contact_id and contacts.cid = orders.cid
),

with_recency as (
    select
        *,
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
    case
        when deals_won + deals_lost > 0
            then 100 * cast(deals_won as double) / (deals_won + deals_lost)
    end as deal_win_rate,
    deals_won_amount,
    last_deal_on,
    -- Marketing
    campaigns_received,
    campaigns_read,
    campaigns_replied,
    case
        when campaigns_received > 0
            then 100 * cast(campaigns_read as double) / campaigns_received
    end as campaign_read_rate,
    case
        when campaigns_received > 0
            then 100 * cast(campaigns_replied as double) / campaigns_received
    end as campaign_reply_rate,
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
    {{ days_between('loyalty_joined_on', 'as_of_date') }} as loyalty_membership_days,
    {{ days_between('loyalty_last_transaction_on', 'as_of_date') }}
        as days_since_last_loyalty_transaction,
    -- Recency
    last_activity_on,
    {{ days_between('last_activity_on', 'as_of_date') }} as days_since_last_activity,
    as_of_date
from with_recency
{% endcall %}
