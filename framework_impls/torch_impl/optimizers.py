"""Optimisers with torch.optim; the gradients of the driven variants come from autograd."""

import torch
import torch.nn.functional as F


def sgd_optimizer(params, *, lr):
    return torch.optim.SGD(params, lr=lr)


def sgd_momentum_optimizer(params, *, lr, momentum):
    return torch.optim.SGD(params, lr=lr, momentum=momentum)


def nesterov_optimizer(params, *, lr, momentum):
    return torch.optim.SGD(params, lr=lr, momentum=momentum, nesterov=True)


def adagrad_optimizer(params, *, lr, eps, initial_accumulator_value=0.0):
    return torch.optim.Adagrad(params, lr=lr, eps=eps, initial_accumulator_value=initial_accumulator_value)


def rmsprop_optimizer(params, *, lr, alpha, eps):
    return torch.optim.RMSprop(params, lr=lr, alpha=alpha, eps=eps)


def adam_optimizer(params, *, lr, beta1, beta2, eps):
    return torch.optim.Adam(params, lr=lr, betas=(beta1, beta2), eps=eps)


OPTIMIZERS = {
    "sgd": sgd_optimizer,
    "sgd_momentum": sgd_momentum_optimizer,
    "nesterov": nesterov_optimizer,
    "adagrad": adagrad_optimizer,
    "rmsprop": rmsprop_optimizer,
    "adam": adam_optimizer,
}
"""Optimiser name -> builder taking the reference's (torch's) hyper-parameter names."""


def fed_trajectory(name, theta0, grads, **hyper):
    """Feed ``grads[t]`` to a torch optimiser as ``.grad`` and record the parameter after each step."""
    theta = theta0.clone().requires_grad_(True)
    optimizer = OPTIMIZERS[name]([theta], **hyper)
    rows = []
    for g in grads:
        theta.grad = g.clone()
        optimizer.step()
        rows.append(theta.detach().clone())
    return {"theta": torch.stack(rows)}


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
    """The training loop: zero_grad, loss, backward, step; losses and parameters of every step."""
    opt = OPTIMIZERS[optimizer](list(params.values()), **hyper)
    history = {"loss": [], **{name: [] for name in params}}
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        opt.step()
        history["loss"].append(loss.detach())
        for name, p in params.items():
            history[name].append(p.detach().clone())
    return {name: torch.stack(values) for name, values in history.items()}


def quadratic_descent(theta0, a, b, *, optimizer, steps, hyper):
    theta = theta0.clone().requires_grad_(True)
    return train({"theta": theta}, lambda: 0.5 * theta @ a @ theta - b @ theta, optimizer, steps, hyper)


def mlp_descent(x, y, w1, b1, w2, b2, *, optimizer, steps, hyper):
    params = {name: t.clone().requires_grad_(True) for name, t in zip(("w1", "b1", "w2", "b2"), (w1, b1, w2, b2))}

    def loss():
        hidden = torch.tanh(F.linear(x, params["w1"], params["b1"]))
        return F.mse_loss(F.linear(hidden, params["w2"], params["b2"]), y)

    return train(params, loss, optimizer, steps, hyper)


# Catalog sides (comparisons/divergences/optimizers.py): a side returns one array, the trajectory.


def trajectory(theta0, grads, *, optimizer, **hyper):
    """The parameter after each of the fed gradients, (steps, *theta0.shape), for the named optimiser."""
    return fed_trajectory(optimizer, theta0, grads, **hyper)["theta"]


def sgd_momentum_lr_halved(theta0, grads, *, lr, momentum, from_step):
    """SGD with momentum fed ``grads``, the learning rate halved from step ``from_step`` (0-based) on."""
    theta = theta0.clone().requires_grad_(True)
    optimizer = OPTIMIZERS["sgd_momentum"]([theta], lr=lr, momentum=momentum)
    rows = []
    for step, g in enumerate(grads):
        # buf = momentum * buf + g holds raw gradients: the new lr applies to the whole history at once
        optimizer.param_groups[0]["lr"] = lr if step < from_step else lr / 2
        theta.grad = g.clone()
        optimizer.step()
        rows.append(theta.detach().clone())
    return torch.stack(rows)
