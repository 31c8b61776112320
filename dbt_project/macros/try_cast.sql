{#-
    A cast that gives NULL where the value does not parse, on every engine. (dbt's
    safe_cast is a plain cast on DuckDB and on Spark, and Spark's ANSI mode, off under
    dbt-spark, would make the two differ.) DuckDB and Spark both spell it TRY_CAST.
-#}
{% macro try_cast(expression, data_type) -%}
    try_cast({{ expression }} as {{ data_type }})
{%- endmacro %}
