"""The analyst's console: ranked queue, tip detail, workflow, notes, replies."""
