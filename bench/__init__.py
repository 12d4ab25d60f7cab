"""Control-plane benchmarks of Lighter (`make bench`, `python -m bench`).

Lighter runs as real processes, in standalone mode (one process, SQLite, in-process bus) and in
distributed mode (api, submitter, tracker and session-manager against a MongoDB-protocol
server and RabbitMQ). Batches use the simulated backend, so the figures measure Lighter, not
Spark; the statement benchmark alone runs real Spark in local mode.

Benchmarks measure and report; they never assert on timings.
"""
