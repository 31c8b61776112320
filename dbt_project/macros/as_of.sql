{#-
    The day every model is computed as of (the Dagster partition day), as a DATE.
    An activity counts when its tenant-local date is on or before this day.
-#}
{% macro as_of_date() -%}
    {%- set value = var('as_of_date') -%}
    {%- if execute and (value is none or not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', value | string)) -%}
        {{ exceptions.raise_compiler_error(
            "var 'as_of_date' must be a day like 2026-11-25, got " ~ (value | string)
            ~ "; pass --vars '{as_of_date: YYYY-MM-DD}'") }}
    {%- endif -%}
    cast('{{ value }}' as date)
{%- endmacro %}

{#-
    The deployment's home time zone (the orchestrator passes its setting): the zone of a
    tenant that has none.
-#}
{% macro default_timezone() -%}
    {%- set value = var('default_timezone', none) -%}
    {%- if execute and not value -%}
        {{ exceptions.raise_compiler_error(
            "var 'default_timezone' is required, e.g. --vars '{default_timezone: Asia/Jakarta}'") }}
    {%- endif -%}
    {{ value }}
{%- endmacro %}
