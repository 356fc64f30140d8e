"""Job-offer checking without a request: warning signs, risk, and how to verify a recruiter."""
