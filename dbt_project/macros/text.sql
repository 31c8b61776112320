{#-
    Unicode's White_Space characters (a non-breaking space left by a paste included):
    what text comparison trims at both ends. The same set as the engine's text
    operators trim (segmentation/operators.py, WHITESPACE).
-#}
{% macro whitespace() -%}
    {{- "\t\n\u000b\u000c\r \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000" -}}
{%- endmacro %}

{#- Text trimmed of whitespace at both ends; a blank value is NULL. -#}
{% macro clean_text(column) -%}
    {{ return(adapter.dispatch('clean_text', 'segmentation')(column)) }}
{%- endmacro %}

{#-
    Trimming by a set of characters is slow per row; a value that begins and ends with a
    printable ASCII character (almost every value) has nothing to trim and is kept as it
    is: a fifth of the cost on 10M rows.
-#}
{% macro default__clean_text(column) -%}
    case
        when ascii({{ column }}) between 33 and 126 and ascii(right({{ column }}, 1)) between 33 and 126
            then {{ column }}
        else nullif(trim({{ column }}, '{{ whitespace() }}'), '')
    end
{%- endmacro %}

{% macro spark__clean_text(column) -%}
    nullif(trim(both '{{ whitespace() }}' from {{ column }}), '')
{%- endmacro %}

{#-
    A coded value (a channel, a status, a priority) as the models compare it: trimmed
    and lower-cased, so `WhatsApp ` and `whatsapp` are one channel. The loader keeps
    values it does not know, so a new channel reaches the marts as it was exported.
-#}
{% macro clean_code(column) -%}
    {{ lower_text(clean_text(column)) }}
{%- endmacro %}

{#- Text lower-cased character by character (Unicode's simple case mapping). -#}
{% macro lower_text(expression) -%}
    {{ return(adapter.dispatch('lower_text', 'segmentation')(expression)) }}
{%- endmacro %}

{% macro default__lower_text(expression) -%}
    lower({{ expression }})
{%- endmacro %}

{#-
    Spark lower-cases as Java does, with two full mappings DuckDB has not: a capital
    dotted I becomes an i and a combining dot (DuckDB: i), and a capital sigma at the end
    of a word a final sigma (DuckDB: always the plain one). Both are mapped first.
-#}
{% macro spark__lower_text(expression) -%}
    lower(replace(replace({{ expression }}, '{{ "\u0130" }}', 'i'), '{{ "\u03a3" }}', '{{ "\u03c3" }}'))
{%- endmacro %}

{#-
    A JSON array of strings (as the CRM exports multi-select values) as an array of
    clean options: each trimmed, blank ones dropped.
-#}
{% macro clean_text_list(json_column) -%}
    {{ return(adapter.dispatch('clean_text_list', 'segmentation')(json_column)) }}
{%- endmacro %}

{% macro default__clean_text_list(json_column) -%}
    list_filter(
        list_transform(
            try_cast(json_extract_string({{ json_column }}, '$[*]') as varchar[]),
            lambda option: {{ clean_text('option') }}
        ),
        lambda option: option is not null
    )
{%- endmacro %}

{#-
    As DuckDB reads it: valid JSON that is not an array (`{}`, `"a"`, `null`) has no
    options (from_json alone makes it NULL); text that is not JSON is NULL (DuckDB stops
    the build on it).
-#}
{% macro spark__clean_text_list(json_column) -%}
    case when try_parse_json({{ json_column }}) is not null then
        filter(
            transform(
                coalesce(from_json({{ json_column }}, 'array<string>'), cast(array() as array<string>)),
                option -> {{ clean_text('option') }}
            ),
            option -> option is not null
        )
    end
{%- endmacro %}
