"""Shared pieces: database, security, access control, audit trail, errors."""
