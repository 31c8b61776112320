{#-
    The one place where a UTC timestamp becomes a tenant-local calendar date.
    Timestamps are stored as naive UTC; the session time zone is never used.
-#}
{% macro local_date(timestamp_utc, timezone) -%}
    {{ return(adapter.dispatch('local_date', 'segmentation')(timestamp_utc, timezone)) }}
{%- endmacro %}

{% macro default__local_date(timestamp_utc, timezone) -%}
    cast(({{ timestamp_utc }} at time zone 'UTC') at time zone {{ timezone }} as date)
{%- endmacro %}

{% macro spark__local_date(timestamp_utc, timezone) -%}
    to_date(from_utc_timestamp({{ timestamp_utc }}, {{ timezone }}))
{%- endmacro %}
