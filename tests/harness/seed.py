"""The batch request the original Lighter documents, which every Lighter must accept."""

SEED_BATCH = {
    "name": "App name",
    "file": "s3://bucket/app.py",
    "numExecutors": 4,
    "executorCores": 2,
    "executorMemory": "2G",
    "driverCores": 2,
    "driverMemory": "1G",
    "args": ["arg1"],
    "pyFiles": [],
    "files": [],
    "conf": {"spark.eventLog.enabled": True},
}
