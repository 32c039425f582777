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


def adam_optimizer(params, *, lr, beta1, beta2, eps, weight_decay=0.0):
    # weight_decay here is L2 added to the gradient (Keras's Adam(weight_decay) is AdamW's).
    return torch.optim.Adam(params, lr=lr, betas=(beta1, beta2), eps=eps, weight_decay=weight_decay)


def adamw_optimizer(params, *, lr, beta1, beta2, eps, weight_decay):
    # theta *= 1 - lr * weight_decay, apart from the gradient (default weight_decay 0.01).
    return torch.optim.AdamW(params, lr=lr, betas=(beta1, beta2), eps=eps, weight_decay=weight_decay)


def adadelta_optimizer(params, *, lr, rho, eps):
    # torch's default lr is 1.0 (Keras and Paddle 1e-3): pass it.
    return torch.optim.Adadelta(params, lr=lr, rho=rho, eps=eps)


def nadam_optimizer(params, *, lr, beta1, beta2, eps, momentum_decay=4e-3):
    # mu_t = beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay)); the running product of the mu_t is kept
    # in a float32 tensor unless torch's default dtype is float64.
    return torch.optim.NAdam(params, lr=lr, betas=(beta1, beta2), eps=eps, momentum_decay=momentum_decay)


OPTIMIZERS = {
    "sgd": sgd_optimizer,
    "sgd_momentum": sgd_momentum_optimizer,
    "nesterov": nesterov_optimizer,
    "adagrad": adagrad_optimizer,
    "rmsprop": rmsprop_optimizer,
    "adam": adam_optimizer,
    "adamw": adamw_optimizer,
    "adadelta": adadelta_optimizer,
    "nadam": nadam_optimizer,
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


def adamw(theta0, grads, *, lr, beta1, beta2, eps, weight_decay):
    hyper = {"lr": lr, "beta1": beta1, "beta2": beta2, "eps": eps, "weight_decay": weight_decay}
    return fed_trajectory("adamw", theta0, grads, **hyper)


def adadelta(theta0, grads, *, lr, rho, eps):
    return fed_trajectory("adadelta", theta0, grads, lr=lr, rho=rho, eps=eps)


def nadam(theta0, grads, *, lr, beta1, beta2, eps, momentum_decay=4e-3):
    hyper = {"lr": lr, "beta1": beta1, "beta2": beta2, "eps": eps, "momentum_decay": momentum_decay}
    return fed_trajectory("nadam", theta0, grads, **hyper)


def clip_grad_norm_optimizer(params, *, lr):
    return torch.optim.SGD(params, lr=lr)


def clip_grad_norm(w0, b0, w_grads, b_grads, *, lr, max_norm):
    """SGD whose gradients are first scaled together to a global norm of at most max_norm."""
    w, b = w0.clone().requires_grad_(True), b0.clone().requires_grad_(True)
    optimizer = clip_grad_norm_optimizer([w, b], lr=lr)
    history = {"w": [], "b": []}
    for gw, gb in zip(w_grads, b_grads):
        w.grad, b.grad = gw.clone(), gb.clone()
        # one norm over every .grad; scales by max_norm / (norm + 1e-6) when that is below 1
        torch.nn.utils.clip_grad_norm_([w, b], max_norm=max_norm)
        optimizer.step()
        history["w"].append(w.detach().clone())
        history["b"].append(b.detach().clone())
    return {name: torch.stack(rows) for name, rows in history.items()}


def lr_scheduler(optimizer, *, schedule, step_size=None, gamma=None, t_max=None, eta_min=0.0):
    """The torch.optim.lr_scheduler for a schedule named as in the reference."""
    if schedule == "step":
        return torch.optim.lr_scheduler.StepLR(optimizer, step_size=step_size, gamma=gamma)
    if schedule == "exponential":
        return torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=gamma)
    return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=t_max, eta_min=eta_min)


def lr_schedule(theta0, grads, *, schedule, lr, **schedule_hyper):
    """SGD with a scheduler stepped after every optimiser step: the learning rate and theta of each step."""
    theta = theta0.clone().requires_grad_(True)
    optimizer = torch.optim.SGD([theta], lr=lr)
    scheduler = lr_scheduler(optimizer, schedule=schedule, **schedule_hyper)
    rates, rows = [], []
    for g in grads:
        rates.append(optimizer.param_groups[0]["lr"])
        theta.grad = g.clone()
        optimizer.step()
        # torch counts scheduler.step() calls, not optimiser steps: here one per step (often one per epoch)
        scheduler.step()
        rows.append(theta.detach().clone())
    return {"lr": torch.tensor(rates, dtype=theta0.dtype), "theta": torch.stack(rows)}


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


def torch_trajectory(theta0, grads, *, optimizer, **options):
    """torch.optim.<optimizer>(**options), in torch's own names and defaults, fed ``grads[t]``: theta after each."""
    theta = theta0.clone().requires_grad_(True)
    step = getattr(torch.optim, optimizer)([theta], **options)
    rows = []
    for g in grads:
        theta.grad = g.clone()
        step.step()
        rows.append(theta.detach().clone())
    return torch.stack(rows)


def clipped_sgd(w0, b0, w_grads, b_grads, *, lr, max_norm, cancel_epsilon=False):
    """SGD after clip_grad_norm_ (or, with ``cancel_epsilon``, after a clip by exactly max_norm / norm).

    Returns the two parameters after each step, flattened side by side: (steps, w.size + b.size).
    """
    w, b = w0.clone().requires_grad_(True), b0.clone().requires_grad_(True)
    optimizer = torch.optim.SGD([w, b], lr=lr)
    rows = []
    for gw, gb in zip(w_grads, b_grads):
        w.grad, b.grad = gw.clone(), gb.clone()
        if cancel_epsilon:
            # clip_grads_with_norm_ scales by max_norm / (total_norm + 1e-6): hand it the norm less 1e-6
            total_norm = torch.nn.utils.get_total_norm([w.grad, b.grad])
            torch.nn.utils.clip_grads_with_norm_([w, b], max_norm, total_norm - 1e-6)
        else:
            torch.nn.utils.clip_grad_norm_([w, b], max_norm=max_norm)
        optimizer.step()
        rows.append(torch.cat([w.detach().flatten(), b.detach().flatten()]))
    return torch.stack(rows)


def epoch_scheduled_sgd(theta0, grads, *, lr, step_size, gamma, steps_per_epoch):
    """SGD under StepLR with scheduler.step() once per epoch of ``steps_per_epoch`` optimiser steps."""
    theta = theta0.clone().requires_grad_(True)
    optimizer = torch.optim.SGD([theta], lr=lr)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=step_size, gamma=gamma)
    rows = []
    for t, g in enumerate(grads):
        theta.grad = g.clone()
        optimizer.step()
        rows.append(theta.detach().clone())
        if (t + 1) % steps_per_epoch == 0:
            scheduler.step()  # the usual place: after each epoch, so step_size counts epochs
    return torch.stack(rows)


def torch_trajectory_float64_state(theta0, grads, *, optimizer, **options):
    """:func:`torch_trajectory` with torch's default dtype float64 while it runs.

    NAdam (and other optimisers' step counters) create their scalar state in the default
    dtype, float32 unless it is set: a float64 port sets it.
    """
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        return torch_trajectory(theta0, grads, optimizer=optimizer, **options)
    finally:
        torch.set_default_dtype(previous)


def scheduled_rates(theta0, grads, *, schedule, lr, **schedule_hyper):
    """The learning rate of each update of :func:`lr_schedule`."""
    return lr_schedule(theta0, grads, schedule=schedule, lr=lr, **schedule_hyper)["lr"]
