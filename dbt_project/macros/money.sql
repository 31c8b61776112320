{#-
    Money is exact: DECIMAL(18,2) from landing to marts, so amounts of equal cents are
    equal (and rank equal) whatever order they were added in.
-#}
{% macro money(expression) -%}
    cast({{ expression }} as decimal(18, 2))
{%- endmacro %}
