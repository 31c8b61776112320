"""The Spark engine: the same load, marts and segments as DuckDB's, on a Spark cluster."""
