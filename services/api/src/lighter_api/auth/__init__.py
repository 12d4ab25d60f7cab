"""Authentication: who is calling (a Principal), by the mode LIGHTER_AUTH_MODE names.

The rules of who may do what are pure and live in lighter_common.domain.access.
"""
