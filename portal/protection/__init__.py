"""Protection at rest: what reporters wrote is sealed in the database and the uploads
folder, and found through keyed blind indexes (see keys.py for the scheme)."""
