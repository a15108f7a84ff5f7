"""Sources: the only modules that talk to remote services (network at the edges)."""
