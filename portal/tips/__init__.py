"""Reports: submitting one, receipts, follow-up messages, cleaned images, status words."""
