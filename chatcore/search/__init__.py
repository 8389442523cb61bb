"""chatcore's search: a django-haystack backend on PostgreSQL full-text search (design D12)."""
