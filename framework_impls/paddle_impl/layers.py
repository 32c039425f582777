"""Layers with Paddle built-ins; paddle.grad supplies the gradients."""

import math

import paddle.nn.functional as F


def linear(x, w, b):
    return F.linear(x, w.T, b)  # Paddle's weight is (in, out): the (out, in) w transposed


def batch_norm(x, gamma, beta, running_mean, running_var, *, momentum=0.1, eps=1e-5, training=True):
    # F.batch_norm is what paddle.nn.BatchNorm1D / BatchNorm2D call on their own weight and bias
    # parameters; called directly it takes gamma and beta, so the gradients reach them.
    # It updates the running statistics in place: work on copies.
    new_mean, new_var = running_mean.clone(), running_var.clone()
    out = F.batch_norm(
        x, new_mean, new_var, weight=gamma, bias=beta, training=training,
        momentum=1 - momentum,  # Paddle's momentum weighs the old value (Keras's sense): 1 - torch's
        epsilon=eps,
    )
    if training:
        # Paddle's running variance takes the biased batch variance, torch's the unbiased one:
        # scale the new batch's share by m / (m - 1), m = N*H*W values per channel.
        m = math.prod(x.shape) // x.shape[1]
        kept = (1 - momentum) * running_var
        new_var = kept + (new_var - kept) * (m / (m - 1))
    return {"out": out, "running_mean": new_mean, "running_var": new_var}


def dropout(x, mask, *, p):
    # F.dropout draws its own mask; with an injected one, inverted dropout (Paddle's default
    # mode="upscale_in_train") is this product.
    return x * mask / (1 - p)
