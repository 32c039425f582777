"""Concept families, one module each; :func:`comparisons.registry.load_all` imports them all.

Catalog entries (divergences) live in :mod:`comparisons.divergences`; a concept module
attaches them to its concepts.
"""

MERGED = ("torch", "tensorflow", "jax", "paddle")
"""The framework trees under ``framework_impls/`` that concepts register versions from.

The JAX and Paddle trees are not merged yet; naming them would make every concept
fail :func:`comparisons.registry.register`'s check that its targets exist.
"""
