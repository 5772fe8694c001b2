"""The charter itself: versions, sections, clauses, their diffs and publication."""
