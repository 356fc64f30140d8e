"""Staff pages for organisations, referrals, relayed questions and access requests."""
