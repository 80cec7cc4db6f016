"""Fakes of outside services, usable in-process (responses) or over loopback HTTP."""
