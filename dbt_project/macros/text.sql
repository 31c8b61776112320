{#-
    Text as it is compared everywhere: whitespace (spaces, tabs, line breaks) trimmed at
    both ends, and a blank value is NULL. The whitespace class is built with chr() so the
    same SQL means the same on DuckDB (RE2) and Spark (Java regex, escaping literals).
-#}
{% macro clean_text(column) -%}
    {%- set blank = "concat('[ ', chr(9), chr(10), chr(11), chr(12), chr(13), ']+')" -%}
    nullif(regexp_replace(regexp_replace({{ column }}, concat('^', {{ blank }}), ''), concat({{ blank }}, '$'), ''), '')
{%- endmacro %}

{#- A JSON array of strings (as the CRM exports multi-select values) as an array. -#}
{% macro json_string_array(column) -%}
    {{ return(adapter.dispatch('json_string_array', 'segmentation')(column)) }}
{%- endmacro %}

{% macro default__json_string_array(column) -%}
    try_cast(json_extract_string({{ column }}, '$[*]') as varchar[])
{%- endmacro %}

{% macro spark__json_string_array(column) -%}
    from_json({{ column }}, 'array<string>')
{%- endmacro %}

{#-
    The rows of a source, one per key: the first by `order_by`. The loader already
    rejects duplicate keys; this keeps staging correct for any source of the same shape.
-#}
{% macro deduplicated(relation, key, order_by) -%}
    {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name') | list -%}
    select {{ columns | join(', ') if columns else '*' }}
    from (
        select *, row_number() over (partition by {{ key }} order by {{ order_by }}) as row_in_key
        from {{ relation }}
    ) as ranked
    where row_in_key = 1
{%- endmacro %}
