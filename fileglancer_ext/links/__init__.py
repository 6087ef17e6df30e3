"""Share links: a store of secret tokens, the public read-only route that serves them, the
authenticated API that manages them, and a standalone link server for hubs."""
