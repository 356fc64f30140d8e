"""Organisations: who they are, what each may see of a tip, and how tips travel between them."""
