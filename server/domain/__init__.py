"""The domain layer: models and services, with no knowledge of Flask or HTTP."""
