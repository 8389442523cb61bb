"""chatcore's search kernel: a django-haystack backend on PostgreSQL full-text search and the
generic plumbing around it (sync helpers, signal processor and its registry, delete
triggers). It names no domain model: the apps declare their indexes, feeds and searches
(``messages_app.search``, ``convos_app.search``). See docs/architecture.md, "Search engine"."""
