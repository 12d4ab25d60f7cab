"""The local backend: drivers as processes on this machine, each under a small supervisor
that outlives the service and records how its driver ended."""
