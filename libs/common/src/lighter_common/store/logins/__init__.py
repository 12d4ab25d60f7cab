"""The UI's login records: the port (base.py) and one adapter per store technology."""
