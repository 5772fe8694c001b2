"""Keeping the debate civil: the moderation queue, hidden comments, blocks, public figures."""
