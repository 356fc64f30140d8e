"""The support directory: entries and their checks, who to call for which need, the packaged
services.yaml, and loading it into the database that the help page and routing both read."""
