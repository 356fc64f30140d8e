"""Administration: the audit log, staff accounts and the support directory upload."""
