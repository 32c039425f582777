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


def adamw_optimizer(params, *, lr, beta1, beta2, eps, weight_decay):
    # decoupled: theta *= 1 - lr * weight_decay, as torch (default 0.01 in both). Paddle's Adam(weight_decay)
    # adds L2 to the gradient instead.
    return paddle.optimizer.AdamW(
        learning_rate=lr, beta1=beta1, beta2=beta2, epsilon=eps, weight_decay=weight_decay, parameters=params
    )


def adadelta_optimizer(params, *, lr, rho, eps):
    # Paddle's defaults are lr 1e-3, rho 0.95, epsilon 1e-6 (torch's 1.0, 0.9, 1e-6): pass all three.
    return paddle.optimizer.Adadelta(learning_rate=lr, rho=rho, epsilon=eps, parameters=params)


def nadam_optimizer(params, *, lr, beta1, beta2, eps, momentum_decay=4e-3):
    # The schedule of torch's NAdam, beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay)), with its default 0.004.
    return paddle.optimizer.NAdam(
        learning_rate=lr, beta1=beta1, beta2=beta2, epsilon=eps, momentum_decay=momentum_decay, parameters=params
    )


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


def adamw(theta0, grads, *, lr, beta1, beta2, eps, weight_decay):
    hyper = {"lr": lr, "beta1": beta1, "beta2": beta2, "eps": eps, "weight_decay": weight_decay}
    return fed_trajectory("adamw", theta0, grads, **hyper)


def adadelta(theta0, grads, *, lr, rho, eps):
    return fed_trajectory("adadelta", theta0, grads, lr=lr, rho=rho, eps=eps)


def nadam(theta0, grads, *, lr, beta1, beta2, eps, momentum_decay=4e-3):
    hyper = {"lr": lr, "beta1": beta1, "beta2": beta2, "eps": eps, "momentum_decay": momentum_decay}
    return fed_trajectory("nadam", theta0, grads, **hyper)


def clip_grad_norm_optimizer(params, *, lr, max_norm):
    # ClipGradByGlobalNorm: one norm over all gradients, as torch's clip_grad_norm_ (ClipGradByNorm is per tensor).
    clip = paddle.nn.ClipGradByGlobalNorm(clip_norm=max_norm)
    return paddle.optimizer.SGD(learning_rate=lr, parameters=params, grad_clip=clip)


def clip_grad_norm(w0, b0, w_grads, b_grads, *, lr, max_norm):
    """SGD whose gradients are first scaled together to a global norm of at most max_norm."""
    w, b = parameter(w0), parameter(b0)
    optimizer = clip_grad_norm_optimizer([w, b], lr=lr, max_norm=max_norm)
    history = {"w": [], "b": []}
    for gw, gb in zip(w_grads, b_grads):
        w.grad, b.grad = gw.clone(), gb.clone()
        optimizer.step()
        optimizer.clear_grad()
        history["w"].append(w.detach().clone())
        history["b"].append(b.detach().clone())
    return {name: paddle.stack(rows) for name, rows in history.items()}


def learning_rate_schedule(*, schedule, lr, step_size=None, gamma=None, t_max=None, eta_min=0.0):
    """The paddle.optimizer.lr scheduler for a schedule named as in the reference (torch's names)."""
    if schedule == "step":
        return paddle.optimizer.lr.StepDecay(learning_rate=lr, step_size=step_size, gamma=gamma)
    if schedule == "exponential":
        return paddle.optimizer.lr.ExponentialDecay(learning_rate=lr, gamma=gamma)
    return paddle.optimizer.lr.CosineAnnealingDecay(learning_rate=lr, T_max=t_max, eta_min=eta_min)


def lr_schedule(theta0, grads, *, schedule, lr, **schedule_hyper):
    """SGD with a scheduler stepped after every optimiser step: the learning rate and theta of each step."""
    theta = parameter(theta0)
    scheduler = learning_rate_schedule(schedule=schedule, lr=lr, **schedule_hyper)
    optimizer = paddle.optimizer.SGD(learning_rate=scheduler, parameters=[theta])
    rates, rows = [], []
    for g in grads:
        rates.append(optimizer.get_lr())
        theta.grad = g.clone()
        optimizer.step()
        optimizer.clear_grad()
        # as in torch, the scheduler counts its own step() calls: here one per optimiser step
        scheduler.step()
        rows.append(theta.detach().clone())
    return {"lr": paddle.to_tensor(rates, dtype=theta0.dtype), "theta": paddle.stack(rows)}


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


def clipped_sgd(w0, b0, w_grads, b_grads, *, learning_rate, clip, clip_norm):
    """paddle.optimizer.SGD with grad_clip=paddle.nn.<clip>(clip_norm) on two parameters.

    Returns the two parameters after each step, flattened side by side: (steps, w.size + b.size).
    """
    w, b = parameter(w0), parameter(b0)
    optimizer = paddle.optimizer.SGD(
        learning_rate=learning_rate, parameters=[w, b], grad_clip=getattr(paddle.nn, clip)(clip_norm=clip_norm)
    )
    rows = []
    for gw, gb in zip(w_grads, b_grads):
        w.grad, b.grad = gw.clone(), gb.clone()
        optimizer.step()
        optimizer.clear_grad()
        rows.append(paddle.concat([w.detach().flatten(), b.detach().flatten()]))
    return paddle.stack(rows)
