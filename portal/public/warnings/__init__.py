"""Published warnings: list, search by identifier, Atom feed, disputes."""
