"""Questions of the register reported by residents, and hidden by a moderator."""
