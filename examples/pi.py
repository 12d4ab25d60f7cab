"""Estimate pi by throwing random darts at the unit square.

Usage: spark-submit pi.py [partitions]
"""

import random
import sys
from operator import add

from pyspark.sql import SparkSession

SAMPLES_PER_PARTITION = 100_000


def dart_hits(_: int) -> int:
    x = random.random() * 2 - 1
    y = random.random() * 2 - 1
    return 1 if x * x + y * y <= 1 else 0


def main() -> None:
    partitions = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    spark = SparkSession.builder.appName("PythonPi").getOrCreate()
    samples = SAMPLES_PER_PARTITION * partitions
    hits = spark.sparkContext.parallelize(range(samples), partitions).map(dart_hits).reduce(add)
    print(f"Pi is roughly {4.0 * hits / samples:f}")
    spark.stop()


if __name__ == "__main__":
    main()
