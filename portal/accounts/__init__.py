"""Staff accounts: passwords (argon2id), TOTP, lockout, setup links, the audit log."""
