{#-
    Where a UTC timestamp becomes a tenant-local calendar date, and a local day a UTC
    instant. Timestamps are stored as naive UTC; the session time zone is never used.

    The per-row conversion goes through `int_tenant_clocks`, one row per tenant: for a
    zone whose offset never changed (most of Asia) a date is the timestamp plus that
    offset, cast; only a zone with daylight saving (or a changed offset), or a timestamp
    before the sampled years (1970 on), pays the engine's time-zone conversion per row.
-#}
{% macro local_date(timestamp_utc, clock) -%}
    case
        when {{ clock }}.utc_offset_seconds is not null
            and {{ timestamp_utc }} >= timestamp '1970-01-01'
            then cast({{ dbt.dateadd('second', clock ~ '.utc_offset_seconds', timestamp_utc) }} as date)
        else {{ local_date_in_zone(timestamp_utc, clock ~ '.timezone') }}
    end
{%- endmacro %}

{#- A UTC timestamp's calendar date in a time zone, converted by the engine. -#}
{% macro local_date_in_zone(timestamp_utc, timezone) -%}
    {{ return(adapter.dispatch('local_date_in_zone', 'segmentation')(timestamp_utc, timezone)) }}
{%- endmacro %}

{% macro default__local_date_in_zone(timestamp_utc, timezone) -%}
    cast(({{ timestamp_utc }} at time zone 'UTC') at time zone {{ timezone }} as date)
{%- endmacro %}

{% macro spark__local_date_in_zone(timestamp_utc, timezone) -%}
    to_date(from_utc_timestamp({{ timestamp_utc }}, {{ timezone }}))
{%- endmacro %}

{#- The UTC instant a local calendar day begins (its midnight) in a time zone. -#}
{% macro local_midnight_utc(day, timezone) -%}
    {{ return(adapter.dispatch('local_midnight_utc', 'segmentation')(day, timezone)) }}
{%- endmacro %}

{% macro default__local_midnight_utc(day, timezone) -%}
    cast((cast({{ day }} as timestamp) at time zone {{ timezone }}) at time zone 'UTC' as timestamp)
{%- endmacro %}

{% macro spark__local_midnight_utc(day, timezone) -%}
    to_utc_timestamp(cast({{ day }} as timestamp), {{ timezone }})
{%- endmacro %}

{#- A local time's offset from UTC, in seconds, at a UTC instant. -#}
{% macro utc_offset_seconds(instant_utc, timezone) -%}
    {{ return(adapter.dispatch('utc_offset_seconds', 'segmentation')(instant_utc, timezone)) }}
{%- endmacro %}

{% macro default__utc_offset_seconds(instant_utc, timezone) -%}
    epoch(({{ instant_utc }} at time zone 'UTC') at time zone {{ timezone }}) - epoch({{ instant_utc }})
{%- endmacro %}

{#- From micros: unix_timestamp rounds toward zero, a second off before 1970. -#}
{% macro spark__utc_offset_seconds(instant_utc, timezone) -%}
    (unix_micros(from_utc_timestamp({{ instant_utc }}, {{ timezone }})) - unix_micros({{ instant_utc }})) div 1000000
{%- endmacro %}

{#- Monthly instants from 1970 to a year after the day: where zones' offsets are sampled. -#}
{% macro offset_sample_instants() -%}
    {{ return(adapter.dispatch('offset_sample_instants', 'segmentation')()) }}
{%- endmacro %}

{% macro default__offset_sample_instants() -%}
    select unnest(generate_series(
        timestamp '1970-01-01', cast({{ as_of_date() }} as timestamp) + interval 366 day, interval 1 month
    )) as instant_utc
{%- endmacro %}

{% macro spark__offset_sample_instants() -%}
    select explode(sequence(
        timestamp '1970-01-01', cast(date_add({{ as_of_date() }}, 366) as timestamp), interval 1 month
    )) as instant_utc
{%- endmacro %}
