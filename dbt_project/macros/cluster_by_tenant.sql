{#-
    Rows of a mart stored in tenant order. Every segment query filters one tenant, and
    DuckDB's zone maps then skip the other tenants' row groups. Engines that cluster
    otherwise (Spark: partitioning) get nothing here.
-#}
{% macro cluster_by_tenant() -%}
    {{ return(adapter.dispatch('cluster_by_tenant', 'segmentation')()) }}
{%- endmacro %}

{% macro default__cluster_by_tenant() -%}
    order by cid, contact_id
{%- endmacro %}

{% macro spark__cluster_by_tenant() -%}
{%- endmacro %}
