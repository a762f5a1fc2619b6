"""The operator's console: accounts, organisations, certificates, the audit log, failed jobs."""
