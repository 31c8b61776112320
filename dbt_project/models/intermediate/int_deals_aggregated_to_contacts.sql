{#- Per contact: deals as of the day (the Sales metrics). -#}
select
    cid,
    contact_id,
    count(*) as deals_total,
    count(case when status = 'open' then 1 end) as deals_open,
    count(case when status = 'won' then 1 end) as deals_won,
    count(case when status = 'lost' then 1 end) as deals_lost,
    {{ money("sum(case when status = 'won' then amount else 0 end)") }} as deals_won_amount,
    max(created_on) as last_deal_on
from {{ ref('int_deals_as_of') }}
group by cid, contact_id
