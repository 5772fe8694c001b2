"""The demo charter, residents and their comments (demo mode only)."""
