{#-
    Differences between dates and timestamps, spelled the same on every engine (dbt's
    datediff expands to long expressions on some adapters).
-#}

{#-
    Whole days from `start_date` to `end_date` (dates): positive when end is later; a
    BIGINT on every engine (Spark's datediff alone is an INT).
-#}
{% macro days_between(start_date, end_date) -%}
    {{ return(adapter.dispatch('days_between', 'segmentation')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__days_between(start_date, end_date) -%}
    date_diff('day', {{ start_date }}, {{ end_date }})
{%- endmacro %}

{% macro spark__days_between(start_date, end_date) -%}
    cast(datediff({{ end_date }}, {{ start_date }}) as bigint)
{%- endmacro %}

{#-
    Hours from `start_at` to `end_at` (timestamps), counted in whole seconds, as a double
    on every engine (a bare `/ 3600.0` is a decimal on Spark, a double on DuckDB).
-#}
{% macro hours_between(start_at, end_at) -%}
    {{ return(adapter.dispatch('hours_between', 'segmentation')(start_at, end_at)) }}
{%- endmacro %}

{% macro default__hours_between(start_at, end_at) -%}
    cast(date_diff('second', {{ start_at }}, {{ end_at }}) as double) / 3600
{%- endmacro %}

{#-
    DuckDB counts the seconds between the instants' whole seconds, each rounded down;
    Spark's unix_timestamp rounds toward zero, which differs before 1970 (23:59:59.5 of
    1969-12-31 is second -1 on DuckDB, 0 there): the seconds are counted from micros.
-#}
{% macro spark__hours_between(start_at, end_at) -%}
    cast(
        (
            unix_micros({{ end_at }}) - pmod(unix_micros({{ end_at }}), 1000000)
            - unix_micros({{ start_at }}) + pmod(unix_micros({{ start_at }}), 1000000)
        ) div 1000000 as double
    ) / 3600
{%- endmacro %}
