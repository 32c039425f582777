"""Weight conversions between framework conventions: one documented NumPy function per mapping.

The catalog's faithful mappings and the framework implementations call the same
functions, so the conversion an engineer copies into a port is the one that is tested.
Each takes and returns arrays; ``xp`` names the array namespace (NumPy by default,
``jax.numpy`` or ``tf.experimental.numpy`` to keep a framework's gradients flowing).
"""
