"""Staff pages for public warnings: publish from a tip, withdraw, disputes."""
