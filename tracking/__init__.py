"""Application status tracking: applications, their stage events, and who may see them.

The tables live beside the knowledge tables (DATABASE_URL) or, embedded, in their own SQLite
file: the knowledge file is rebuilt from YAML at will, applications must never be.
"""
