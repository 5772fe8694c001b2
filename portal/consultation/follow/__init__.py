"""Following a clause or a proposal, with mail and one-click unsubscribe."""
