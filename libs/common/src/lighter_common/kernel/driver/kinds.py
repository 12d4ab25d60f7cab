"""The languages a statement runs in, by the kind the endpoint gives it."""

PYTHON_KINDS = frozenset({"pyspark", "python"})
SCALA_KIND = "spark"
SQL_KIND = "sql"
