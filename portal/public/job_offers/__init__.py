"""The job-offer checker page: paste an offer, see its warning signs and what to do next."""
