"""AI providers behind one contract: see ``base`` and ``registry``.

docs/architecture.md#ai-providers says why it is pluggable and explicit.
"""
