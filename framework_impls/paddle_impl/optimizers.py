"""Optimisers with paddle.optimizer; the gradients of the driven variants come from loss.backward()."""

import paddle
import paddle.nn.functional as F


def sgd_optimizer(params, *, lr):
    return paddle.optimizer.SGD(learning_rate=lr, parameters=params)


def sgd_momentum_optimizer(params, *, lr, momentum):
    # Momentum keeps torch's buffer v = mu v + g and steps by lr * v.
    return paddle.optimizer.Momentum(learning_rate=lr, momentum=momentum, parameters=params)


def nesterov_optimizer(params, *, lr, momentum):
    return paddle.optimizer.Momentum(learning_rate=lr, momentum=momentum, use_nesterov=True, parameters=params)


def adagrad_optimizer(params, *, lr, eps, initial_accumulator_value=0.0):
    # epsilon outside the root, as torch (Paddle's default 1e-6, torch's 1e-10): pass it.
    return paddle.optimizer.Adagrad(
        learning_rate=lr, epsilon=eps, initial_accumulator_value=initial_accumulator_value, parameters=params
    )


def rmsprop_optimizer(params, *, lr, alpha, eps):
    # rho is torch's alpha (Paddle's default 0.95, torch's 0.99). Paddle adds epsilon inside the root,
    # g / sqrt(v + eps), torch outside, g / (sqrt(v) + eps): no constant epsilon maps one onto the
    # other; they agree only where eps is negligible next to v, as with the concepts' 1e-30.
    return paddle.optimizer.RMSProp(learning_rate=lr, rho=alpha, epsilon=eps, parameters=params)


def adam_optimizer(params, *, lr, beta1, beta2, eps):
    # epsilon on sqrt(v_hat), as torch.
    return paddle.optimizer.Adam(learning_rate=lr, beta1=beta1, beta2=beta2, epsilon=eps, parameters=params)


OPTIMIZERS = {
    "sgd": sgd_optimizer,
    "sgd_momentum": sgd_momentum_optimizer,
    "nesterov": nesterov_optimizer,
    "adagrad": adagrad_optimizer,
    "rmsprop": rmsprop_optimizer,
    "adam": adam_optimizer,
}
"""Optimiser name -> builder taking the reference's (torch's) hyper-parameter names."""


def parameter(value):
    """A trainable copy of ``value`` (paddle.optimizer updates Parameters)."""
    p = paddle.create_parameter(value.shape, value.dtype)
    p.set_value(value)
    return p


def fed_trajectory(name, theta0, grads, **hyper):
    """Set ``grads[t]`` as the parameter's ``.grad``, step, and record the parameter after each step."""
    theta = parameter(theta0)
    optimizer = OPTIMIZERS[name]([theta], **hyper)
    rows = []
    for g in grads:
        theta.grad = g.clone()
        optimizer.step()
        optimizer.clear_grad()
        rows.append(theta.detach().clone())
    return {"theta": paddle.stack(rows)}


def sgd(theta0, grads, *, lr):
    return fed_trajectory("sgd", theta0, grads, lr=lr)


def sgd_momentum(theta0, grads, *, lr, momentum):
    return fed_trajectory("sgd_momentum", theta0, grads, lr=lr, momentum=momentum)


def nesterov(theta0, grads, *, lr, momentum):
    return fed_trajectory("nesterov", theta0, grads, lr=lr, momentum=momentum)


def adagrad(theta0, grads, *, lr, eps, initial_accumulator_value=0.0):
    return fed_trajectory("adagrad", theta0, grads, lr=lr, eps=eps, initial_accumulator_value=initial_accumulator_value)


def rmsprop(theta0, grads, *, lr, alpha, eps):
    return fed_trajectory("rmsprop", theta0, grads, lr=lr, alpha=alpha, eps=eps)


def adam(theta0, grads, *, lr, beta1, beta2, eps):
    return fed_trajectory("adam", theta0, grads, lr=lr, beta1=beta1, beta2=beta2, eps=eps)


def train(params, loss_fn, optimizer, steps, hyper):
    """Paddle's training loop: loss, backward, step, clear_grad; losses and parameters of every step."""
    opt = OPTIMIZERS[optimizer](list(params.values()), **hyper)
    history = {"loss": [], **{name: [] for name in params}}
    for _ in range(steps):
        loss = loss_fn()
        loss.backward()
        opt.step()
        opt.clear_grad()
        history["loss"].append(loss.detach())
        for name, p in params.items():
            history[name].append(p.detach().clone())
    return {name: paddle.stack(values) for name, values in history.items()}


def quadratic_descent(theta0, a, b, *, optimizer, steps, hyper):
    theta = parameter(theta0)
    return train({"theta": theta}, lambda: 0.5 * theta @ a @ theta - b @ theta, optimizer, steps, hyper)


def mlp_descent(x, y, w1, b1, w2, b2, *, optimizer, steps, hyper):
    params = {name: parameter(t) for name, t in zip(("w1", "b1", "w2", "b2"), (w1, b1, w2, b2))}

    def loss():
        # F.linear takes (in, out) weights: the parameters keep torch's (out, in) layout, transposed here.
        hidden = paddle.tanh(F.linear(x, params["w1"].T, params["b1"]))
        return F.mse_loss(F.linear(hidden, params["w2"].T, params["b2"]), y)

    return train(params, loss, optimizer, steps, hyper)


# Catalog sides (comparisons/divergences/optimizers.py).


def paddle_trajectory(theta0, grads, *, optimizer, **options):
    """paddle.optimizer.<optimizer>(**options), in Paddle's own names and defaults, fed ``grads[t]``."""
    theta = parameter(theta0)
    step = getattr(paddle.optimizer, optimizer)(parameters=[theta], **options)
    rows = []
    for g in grads:
        theta.grad = g.clone()
        step.step()
        step.clear_grad()
        rows.append(theta.detach().clone())
    return paddle.stack(rows)
