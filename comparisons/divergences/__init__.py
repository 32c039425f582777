"""The divergence catalog: real differences in framework conventions, one module per family.

Each module holds :class:`~comparisons.registry.Divergence` records and the NumPy halves
of their mappings (plain functions the harness calls as ``function(**inputs, **params)``).
The framework halves live in ``framework_impls/<tree>/<stem>.py`` and are named lazily
with :func:`~comparisons.registry.implementation`, so importing a catalog module never
imports a framework: these modules import NumPy, SciPy and ``reference`` only.

Concept modules (``comparisons/concepts/``) attach the entries to their concepts::

    from comparisons.divergences import activations as catalog
    ... divergences=(catalog.GELU_DEFAULT, catalog.FLOAT_DEFAULTS)

Every entry says in ``shows`` what its naive mapping gets wrong (a difference in
values, dtype or shape; for values where and at least how large), and
``tests/test_divergences.py`` checks that on the installed versions, together with the
faithful mapping agreeing.
"""
