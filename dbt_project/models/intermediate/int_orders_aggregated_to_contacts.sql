{#-
    Per contact: counted orders (not cancelled or refunded) as of the day, the Commerce
    metrics and the RFM figures' inputs. Contacts with only uncounted orders have a row
    with zero counted orders.
-#}
select
    cid,
    contact_id,
    count(case when is_counted then 1 end) as orders_total,
    count(case when is_counted and ordered_on > {{ dbt.dateadd('day', -30, as_of_date()) }}
            then 1
    end) as orders_last_30_days,
    {{ money('sum(case when is_counted then amount else 0 end)') }} as total_spent,
    max(case when is_counted then ordered_on end) as last_order_on
from {{ ref('int_orders_as_of') }}
group by cid, contact_id
