{#- The companies each contact works at, with the company's attributes. -#}
select
    links.cid,
    links.contact_id,
    links.company_id,
    companies.company_name,
    companies.industry,
    companies.company_size
from {{ ref('stg_crm__contact_companies') }} as links
inner join {{ ref('stg_crm__companies') }} as companies
    on links.company_id = companies.company_id and links.cid = companies.cid
