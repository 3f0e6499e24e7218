"""Implementation of :mod:`models.schedule` (import from there)."""
