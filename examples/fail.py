"""Start Spark, run a small job, then fail on purpose: for testing how failures are reported."""

from pyspark.sql import SparkSession


def main() -> None:
    spark = SparkSession.builder.appName("PythonFail").getOrCreate()
    rows = spark.range(10).count()
    raise ValueError(f"fail.py gives up on purpose after counting {rows} rows")


if __name__ == "__main__":
    main()
