"""A feature map flattened and fed to a dense layer, with flax.linen.Dense; jax.vjp supplies the gradients.

flax models run NHWC and flatten (H, W, C), like Keras: the dense kernel is converted by
:func:`framework_impls.conversions.conv.torch_flatten_dense_to_keras`.
"""

import jax.numpy as jnp
from flax import linen as nn

from framework_impls.conversions.conv import torch_flatten_dense_to_keras


def flatten_dense(x, w, b):
    x = jnp.transpose(x, (0, 2, 3, 1))  # NCHW -> NHWC, flax's layout
    flat = x.reshape(x.shape[0], -1)  # the usual flax flatten: (H, W, C) order
    kernel = torch_flatten_dense_to_keras(w, (x.shape[3], x.shape[1], x.shape[2]), xp=jnp)  # rows to (H, W, C)
    return nn.Dense(w.shape[0]).apply({"params": {"kernel": kernel, "bias": b}}, flat)
