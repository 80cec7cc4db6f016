"""RQ job functions: importable, taking ids only, idempotent."""
