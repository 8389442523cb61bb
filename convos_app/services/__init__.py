"""Write paths for conversations, one module per feature (fork, duplicate, delete, imports...)."""
