"""Reproducible benchmarks, outside ``make test``: ``make bench`` or ``python -m bench NAME``."""
