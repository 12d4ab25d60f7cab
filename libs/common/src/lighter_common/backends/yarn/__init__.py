"""The YARN backend's parts: applications as the ResourceManager reports them, and its client."""
