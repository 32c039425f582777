"""L2 regularisation with optax: add_decayed_weights chained before SGD."""

import jax
import optax


def sgd_weight_decay(theta0, grads, *, lr, weight_decay):
    # add_decayed_weights adds weight_decay * theta to the gradient before the step: torch's SGD weight_decay.
    optimizer = optax.chain(optax.add_decayed_weights(weight_decay), optax.sgd(learning_rate=lr))

    def step(carry, g):
        theta, state = carry
        updates, state = optimizer.update(g, state, theta)
        theta = optax.apply_updates(theta, updates)
        return (theta, state), theta

    _, rows = jax.lax.scan(step, (theta0, optimizer.init(theta0)), grads)
    return {"theta": rows}
