"""Shared French NLP: the spaCy pipeline, clustering and key phrases."""
