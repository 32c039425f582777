"""Weight initialisation with jax.nn.initializers, described by the shared statistical checks."""

import jax
import numpy as np
# private (jax._src): no public API gives the fans this initialiser uses
from jax._src.nn.initializers import _compute_fans
from jax.nn import initializers

from reference.init import describe

INITIALIZERS = {
    "glorot_uniform": initializers.glorot_uniform(),
    # glorot_normal / he_normal draw a truncated normal; distribution="normal" is torch's untruncated law
    "glorot_normal": initializers.variance_scaling(1.0, "fan_avg", "normal"),
    "he_uniform": initializers.he_uniform(),
    "he_normal": initializers.variance_scaling(2.0, "fan_in", "normal"),
    "small_normal": initializers.normal(stddev=0.01),
    # initializers.uniform(scale) draws U[0, scale), not U(-scale, scale): draw U[-1, 1) with jax.random
    "uniform_pm1": lambda key, shape, dtype: jax.random.uniform(key, shape, dtype, minval=-1.0, maxval=1.0),
}


def flax_shape(shape):
    """torch (out, in, *kernel) -> flax (*kernel, in, out): Dense (in, out), Conv HWIO."""
    return (*shape[2:], shape[1], shape[0])


def init(like, *, scheme, shape, seed):
    shape = flax_shape(shape)
    w = INITIALIZERS[scheme](jax.random.key(seed), shape, like.dtype)
    fan_in, fan_out = _compute_fans(shape)  # the fan computation variance_scaling itself uses
    return describe(np.asarray(w), scheme, fan_in, fan_out)
