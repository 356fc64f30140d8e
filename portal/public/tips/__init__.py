"""Reporting: the report forms, the receipt page and follow-up."""
