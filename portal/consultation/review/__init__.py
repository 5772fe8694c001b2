"""The officials' side: the review desk, answers to proposals, edits of the draft."""
