{#- `part` as a percentage of `whole` (a DOUBLE on every engine); NULL when whole is 0. -#}
{% macro percent(part, whole) -%}
    100 * cast({{ part }} as double) / nullif({{ whole }}, 0)
{%- endmacro %}

{#-
    The segments whose matched customers a build replaces: those whose latest computed
    day is the day, and those closed because they left the store (their latest computed
    day has no rule set), whose matched customers are dropped.
-#}
{% macro replaced_matched_segments() -%}
    select computed_days.segment_id
    from {{ source('segments', 'segment_days') }} as computed_days
    inner join (
        select segment_id, max(day) as latest_day
        from {{ source('segments', 'segment_days') }}
        group by segment_id
    ) as latest
        on computed_days.segment_id = latest.segment_id and computed_days.day = latest.latest_day
    where latest.latest_day = {{ as_of_date() }} or computed_days.rule_set_hash is null
{%- endmacro %}
