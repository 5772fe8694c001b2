"""The synthesis of comments: themes found by NLP, officials' edits, publication."""
