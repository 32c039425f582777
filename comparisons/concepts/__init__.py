"""Concept families, one module each; :func:`comparisons.registry.load_all` imports them all.

Catalog entries (divergences) live in :mod:`comparisons.divergences`; a concept module
attaches them to its concepts.
"""
