"""The staff console: deny by default, roles on every view, every action audited."""
