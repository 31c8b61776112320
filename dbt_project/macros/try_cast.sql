{#-
    A cast that gives NULL where the value does not parse, the same on every engine.
    (dbt's safe_cast is a plain cast on DuckDB and on Spark, and Spark's ANSI mode, off
    under dbt-spark, would make the two differ.) Both engines spell it TRY_CAST, but they
    do not read the same text: DuckDB's reading is the project's.
-#}
{% macro try_cast(expression, data_type) -%}
    {{ return(adapter.dispatch('try_cast', 'segmentation')(expression, data_type)) }}
{%- endmacro %}

{% macro default__try_cast(expression, data_type) -%}
    try_cast({{ expression }} as {{ data_type }})
{%- endmacro %}

{#-
    Spark reads numbers and dates DuckDB refuses (`1d` and `1f` as 1.0, `2026` and
    `2026-01` as a date, `+2026-01-05`) and refuses numbers DuckDB reads (`1_000`, `-NaN`),
    so text is first held to DuckDB's spelling: a decimal or scientific number with `_`
    only between digits, NaN or Infinity with a sign; a date `yyyy-m-d` (or with `/` or
    a space), alone or with a time of day (which must parse); a boolean's word unpadded
    (true/false/t/f/yes/no/y/n/1/0 on both). Still NULL on Spark, though DuckDB reads
    them: a year of other than four digits, BC dates, and infinite dates (`inf`,
    `infinity`, with a sign), which Spark has not.
-#}
{% macro spark__try_cast(expression, data_type) -%}
    {%- set kind = data_type | trim | lower -%}
    {%- set digits = '[0-9]+(_[0-9]+)*' -%}
    {%- set day = '[0-9]{4}([-/ ])[0-9]{1,2}\\\\1[0-9]{1,2}' -%}
    {%- if kind in ('double', 'float') -%}
        case
            when {{ expression }} rlike '^ *[+-]?({{ digits }}([.]({{ digits }})?)?|[.]{{ digits }})([eE][+-]?{{ digits }})? *$'
                then try_cast(replace({{ expression }}, '_', '') as {{ data_type }})
            when {{ expression }} rlike '^ *[+-]?(?i:inf|infinity) *$'
                then try_cast({{ expression }} as {{ data_type }})
            when {{ expression }} rlike '^ *[+-]?(?i:nan) *$'
                then cast('NaN' as {{ data_type }})
        end
    {%- elif kind == 'date' -%}
        case
            when {{ expression }} rlike '^ *{{ day }} *$'
                then try_cast(translate(trim({{ expression }}), '/ ', '--') as date)
            when {{ expression }} rlike '^ *{{ day }}[ T][0-9]{1,2}:[0-9]{2}'
                and try_cast(replace({{ expression }}, '/', '-') as timestamp) is not null
                then try_cast(regexp_extract(replace({{ expression }}, '/', '-'), '^ *([0-9-]+)', 1) as date)
            when lower(trim({{ expression }})) = 'epoch' then date '1970-01-01'
        end
    {%- elif kind == 'boolean' -%}
        case when {{ expression }} rlike '^[A-Za-z0-9]+$' then try_cast({{ expression }} as boolean) end
    {%- else -%}
        try_cast({{ expression }} as {{ data_type }})
    {%- endif -%}
{%- endmacro %}
