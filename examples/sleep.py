"""Start Spark and stay alive for a while: for testing kills of a running driver.

Usage: spark-submit sleep.py [seconds]
"""

import sys
import time

from pyspark.sql import SparkSession


def main() -> None:
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    spark = SparkSession.builder.appName("PythonSleep").getOrCreate()
    # Touch the executors once so Python workers exist and a kill has a whole tree to end.
    spark.sparkContext.parallelize(range(4), 2).map(lambda x: x * x).collect()
    for elapsed in range(seconds):
        print(f"sleeping: {elapsed}/{seconds} s", flush=True)
        time.sleep(1)
    print("done sleeping", flush=True)
    spark.stop()


if __name__ == "__main__":
    main()
