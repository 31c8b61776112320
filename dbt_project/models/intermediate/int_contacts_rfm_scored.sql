{#-
    Recency, frequency and monetary value of each contact with at least one counted order
    up to the day, scored 1-5 within its tenant:

        score = 1 + floor(5 * (rank - 1) / n)

    rank = RANK() from worst to best among the tenant's n scored contacts, so equal values
    share a score and 5 is the best (most recent, most frequent, highest spend).
-#}
with contacts as (
    select
        cid,
        contact_id
    from {{ ref('int_contacts_as_of') }}
),

purchases as (
    select
        orders.cid,
        orders.contact_id,
        {{ days_between('orders.last_order_on', as_of_date()) }} as recency_days,
        orders.orders_total as frequency,
        orders.total_spent as monetary
    from {{ ref('int_orders_aggregated_to_contacts') }} as orders
    inner join contacts on orders.contact_id = contacts.contact_id and orders.cid = contacts.cid
    where orders.orders_total > 0
),

ranked as (
    select
        *,
        count(*) over (partition by cid) as scored_contacts,
        rank() over (
            partition by cid
            order by recency_days desc
        ) as recency_rank,
        rank() over (
            partition by cid
            order by frequency asc
        ) as frequency_rank,
        rank() over (
            partition by cid
            order by monetary asc
        ) as monetary_rank
    from purchases
)

select
    cid,
    contact_id,
    recency_days,
    frequency,
    monetary,
    cast(1 + floor(5.0 * (recency_rank - 1) / scored_contacts) as integer) as r_score,
    cast(1 + floor(5.0 * (frequency_rank - 1) / scored_contacts) as integer) as f_score,
    cast(1 + floor(5.0 * (monetary_rank - 1) / scored_contacts) as integer) as m_score
from ranked
