"""Taking part: the phase of a draft, comments, replies, supports, reports, proposals."""
