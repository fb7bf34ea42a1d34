"""The device side of sync: outbox, engine and HTTP transport (the only HTTP client in NEO)."""
