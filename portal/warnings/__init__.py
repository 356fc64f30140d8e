"""Public warnings about identifiers: publish, withdraw, find by search or by indicator."""
