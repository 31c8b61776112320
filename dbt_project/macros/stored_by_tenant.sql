{#-
    Contact-grain marts are stored in tenant order: every reader (a preview, the daily
    segments, the API) filters one tenant, and DuckDB's zone maps then skip the other
    tenants' row groups (at 1M contacts a preview's p50 went from 23 to 16 ms). The
    activity tables are not sorted: at 10M rows the sort costs more than it saves.

    Used as a block around the model's query, whose output has a `cid` column:
        {% call stored_by_tenant() %} select ... {% endcall %}
    On DuckDB the rows are materialized before they are sorted: sorting in the same
    pipeline as the model's joins ran out of memory at 10M contacts (8 GiB), while the
    two steps apart fit in 2 GiB. Spark writes files whose order nothing reads.
-#}
{% macro stored_by_tenant() -%}
    {{ return(adapter.dispatch('stored_by_tenant', 'segmentation')(caller())) }}
{%- endmacro %}

{% macro default__stored_by_tenant(query) -%}
with stored_rows as materialized (
{{ query }}
)

select * from stored_rows
order by cid
{%- endmacro %}

{% macro spark__stored_by_tenant(query) -%}
{{ query }}
{%- endmacro %}

{#-
    How a mart of activity records (orders, deals...) is kept. On DuckDB, a view over its
    as-of table: a copy would double the storage for nothing. On Spark, a table: the
    published snapshot and every reader outside Spark read Spark's tables from their
    Parquet files, and a Spark view has none.
-#}
{% macro activity_mart_materialization() -%}
    {{ return(adapter.dispatch('activity_mart_materialization', 'segmentation')()) }}
{%- endmacro %}

{% macro default__activity_mart_materialization() -%}
    {{ return('view') }}
{%- endmacro %}

{% macro spark__activity_mart_materialization() -%}
    {{ return('table') }}
{%- endmacro %}
