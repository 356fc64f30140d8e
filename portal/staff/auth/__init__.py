"""Staff sign-in: password (argon2id), then a TOTP code; lockout; account setup."""
