"""The digits LeNet with flax.linen layers, jax.value_and_grad and optax.sgd with momentum.

flax convolves NHWC images with HWIO kernels; the run converts the reference's NCHW /
OIHW arrays on the way in and back on the way out, and puts the channels first again
before flattening so that the dense kernel sees PyTorch's (C, H, W) feature order.
Every step of every epoch runs inside jax.lax.scan.
"""

import jax
import jax.numpy as jnp
import optax
from flax import linen as nn

from framework_impls.jax_impl.networks import accuracy, cross_entropy


class LeNet(nn.Module):
    c1: int
    c2: int

    @nn.compact
    def __call__(self, x):
        # flax's Conv pads 'SAME' and max_pool strides 1 unless told (flax-defaults): both explicit.
        x = nn.max_pool(nn.relu(nn.Conv(self.c1, (3, 3), padding=1)(x)), (2, 2), strides=(2, 2))
        x = nn.max_pool(nn.relu(nn.Conv(self.c2, (3, 3), padding=1)(x)), (2, 2), strides=(2, 2))
        x = jnp.transpose(x, (0, 3, 1, 2)).reshape(len(x), -1)  # NHWC -> NCHW, then torch's (C, H, W) flatten
        return nn.Dense(10)(x)  # softmax: inside the loss


def conv_params(w, b):
    return {"kernel": jnp.transpose(w, (2, 3, 1, 0)), "bias": b}  # torch OIHW -> flax HWIO


def to_nhwc(x):
    return jnp.transpose(x, (0, 2, 3, 1))  # NCHW -> NHWC


def lenet_digits_training(
    x_train, y_train, x_val, y_val, x_test, y_test, order, w1, b1, w2, b2, w3, b3, *, lr, momentum, batch_size
):
    dtype = x_train.dtype
    model = LeNet(w1.shape[0], w2.shape[0])
    params = {"Conv_0": conv_params(w1, b1), "Conv_1": conv_params(w2, b2), "Dense_0": {"kernel": w3.T, "bias": b3}}
    optimizer = optax.sgd(learning_rate=lr, momentum=momentum)  # trace t <- mu t + g, W <- W - lr t: torch's form
    x_train, x_val, x_test = to_nhwc(x_train), to_nhwc(x_val), to_nhwc(x_test)

    def predict(params, x):
        return jnp.argmax(model.apply({"params": params}, x), axis=1)

    def step(carry, rows):
        params, state = carry
        x, y = x_train[rows], y_train[rows]
        loss, grads = jax.value_and_grad(lambda p: cross_entropy(model.apply({"params": p}, x), y))(params)
        updates, state = optimizer.update(grads, state, params)
        return (optax.apply_updates(params, updates), state), loss

    full, rest = divmod(order.shape[1], batch_size)

    def epoch(carry, epoch_order):
        # The same batches as NumPy, in the same order: `full` batches of batch_size, then the rest.
        carry, losses = jax.lax.scan(step, carry, epoch_order[: full * batch_size].reshape(full, batch_size))
        if rest:
            carry, loss = step(carry, epoch_order[full * batch_size :])
            losses = jnp.concatenate([losses, loss[None]])
        return carry, (losses, accuracy(predict(carry[0], x_val), y_val, dtype))

    (params, _), (losses, val_accuracy) = jax.lax.scan(epoch, (params, optimizer.init(params)), order)
    conv1, conv2, dense = params["Conv_0"], params["Conv_1"], params["Dense_0"]
    return {
        "loss": losses.reshape(-1), "w1": jnp.transpose(conv1["kernel"], (3, 2, 0, 1)), "b1": conv1["bias"],
        "w2": jnp.transpose(conv2["kernel"], (3, 2, 0, 1)), "b2": conv2["bias"],  # flax HWIO -> torch OIHW
        "w3": dense["kernel"].T, "b3": dense["bias"], "val_accuracy": val_accuracy,
        "test_accuracy": accuracy(predict(params, x_test), y_test, dtype),
    }
