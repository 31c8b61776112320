{#-
    How the segments' incremental models keep history across days: each build replaces
    the rows it recomputes and leaves every other row alone. The model's query returns
    the replacement rows; a pre-hook first removes the rows being replaced, so that a
    segment left with no rows (no member any more) loses its old ones too.

    DuckDB deletes the rows in the model's transaction, then appends (delete+insert).
    Spark's Parquet tables cannot delete rows: they are partitioned by the column the
    rows are replaced by, the pre-hook drops those partitions, and the model overwrites
    the partitions it writes (insert_overwrite, dynamic partition overwrite being the
    session's mode).
-#}

{#- The incremental strategy that writes the replacement rows. -#}
{% macro replacing_strategy() -%}
    {{ return(adapter.dispatch('replacing_strategy', 'segmentation')()) }}
{%- endmacro %}

{% macro default__replacing_strategy() -%}
    {{ return('append') }}
{%- endmacro %}

{% macro spark__replacing_strategy() -%}
    {{ return('insert_overwrite') }}
{%- endmacro %}

{#-
    Remove the rows of `relation` whose `column` (a DATE or text column the table is
    partitioned by on Spark) has one of the values `values_query` (a query of one column)
    returns. Nothing to do when the table does not exist yet.
-#}
{% macro delete_rows_by(relation, column, values_query) -%}
    {%- if execute and is_incremental() -%}
        {{ return(adapter.dispatch('delete_rows_by', 'segmentation')(relation, column, values_query)) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__delete_rows_by(relation, column, values_query) -%}
    delete from {{ relation }} where {{ column }} in ({{ values_query }})
{%- endmacro %}

{#- Spark: one ALTER TABLE per partition, run here; the hook itself is then empty. -#}
{% macro spark__delete_rows_by(relation, column, values_query) -%}
    {%- for value in run_query(values_query).columns[0].values() -%}
        {%- do run_query(
            "alter table " ~ relation ~ " drop if exists partition ("
            ~ column ~ " = '" ~ value ~ "')"
        ) -%}
    {%- endfor -%}
{%- endmacro %}

{#- The UTC instant of the build, as a TIMESTAMP without zone. -#}
{% macro utc_now() -%}
    {{ return(adapter.dispatch('utc_now', 'segmentation')()) }}
{%- endmacro %}

{% macro default__utc_now() -%}
    cast(current_timestamp at time zone 'UTC' as timestamp)
{%- endmacro %}

{#- Spark's session zone is UTC (segmentation/spark/session.py). -#}
{% macro spark__utc_now() -%}
    current_timestamp()
{%- endmacro %}
