"""Support directory: help lines, embassies and services by country, need and language."""
