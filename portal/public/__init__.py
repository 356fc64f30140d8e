"""Citizen-facing features of the Waspada portal."""
