"""The Kubernetes backend: Spark drivers as pods, tracked by one shared watch."""
