"""The web UI at /lighter/ui/: pages rendered on the server (Jinja2), kept live by a small
script that follows the event stream and fetches the fragments an event changed. Every asset
is served from this package: nothing comes from elsewhere at run time."""
