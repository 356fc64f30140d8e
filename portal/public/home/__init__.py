"""The home page and the locale-choosing root."""
