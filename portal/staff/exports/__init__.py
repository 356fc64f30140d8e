"""Exports for supervisors: the filtered tips as CSV, their indicators as a STIX 2.1 bundle."""
