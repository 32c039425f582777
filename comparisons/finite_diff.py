"""The ``finite-diff`` witness: gradients by central differences of the reference forward.

For the scalar ``L(x) = sum(forward(x) * dout)`` the gradient dL/dx is what every
backward pass returns. Central differences estimate it without any derivation:

    dL/dx_i ~= (L(x + h e_i) - L(x - h e_i)) / (2 h)

always in float64, from the same (already cast) inputs the other witnesses received.
Small inputs get the whole gradient, one element at a time. Larger ones get
projections onto a few random unit directions v, ``v . dL/dx``, and the other
witnesses' gradients are projected onto the same directions before comparing.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from comparisons.witnesses import as_outputs, gradient_name
from comparisons.registry import Concept

NAME = "finite-diff"
FULL_GRADIENT_LIMIT = 32
"""Inputs with at most this many elements get the whole gradient (2 forwards an element).

Every framework already checks the reference's gradient element by element; this witness
checks the derivation without any framework. Over the default run's samples, on one core,
a limit of 512 cost 13 s (recurrent layers and attention call their forward thousands of
times), 128 cost 9 and 32 cost 3; projections see one wrong element at every size tested."""
N_DIRECTIONS = 8
"""Random directions checked on larger inputs: a wrong gradient g' passes only if all of
``v . (g' - g)``, each of the size of ``|g' - g|``, fall within the tolerance."""
RELATIVE_STEP = 1e-6
"""h = RELATIVE_STEP * max(1, |x|): near the optimum eps**(1/3) of central differences in float64."""


def _loss(concept: Concept, inputs: dict[str, np.ndarray], params: Mapping, dout: np.ndarray) -> float:
    out, _ = concept.reference[0](**inputs, **params)
    return float(np.sum(as_outputs(out)["out"] * dout))


def gradients(
    concept: Concept,
    inputs: Mapping[str, np.ndarray],
    params: Mapping,
    dout: np.ndarray,
    rng: np.random.Generator,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Finite-difference gradients for every ``grad_wrt`` input.

    Returns
    -------
    grads : dict
        ``dx`` -> the full gradient (shape of x), or its projections (shape (k,)).
    directions : dict
        ``dx`` -> the (k, *x.shape) unit directions, for the quantities that were projected.
    """
    point = {k: (v.astype(np.float64) if np.issubdtype(v.dtype, np.floating) else v) for k, v in inputs.items()}
    dout = np.asarray(dout, dtype=np.float64)
    grads, directions = {}, {}
    for name in concept.grad_wrt:
        x = point[name]

        def loss_at(shifted, name=name):
            return _loss(concept, {**point, name: shifted}, params, dout)

        if x.size <= FULL_GRADIENT_LIMIT:
            grad = np.empty_like(x)
            for index in np.ndindex(x.shape):
                h = RELATIVE_STEP * max(1.0, abs(x[index]))
                plus, minus = x.copy(), x.copy()
                plus[index] += h
                minus[index] -= h
                grad[index] = (loss_at(plus) - loss_at(minus)) / (2 * h)
            grads[gradient_name(name)] = grad
        else:
            v = rng.standard_normal((N_DIRECTIONS, *x.shape))
            v /= np.sqrt(np.sum(v**2, axis=tuple(range(1, v.ndim)), keepdims=True))
            h = RELATIVE_STEP * max(1.0, float(np.max(np.abs(x))))
            grads[gradient_name(name)] = np.array([(loss_at(x + h * d) - loss_at(x - h * d)) / (2 * h) for d in v])
            directions[gradient_name(name)] = v
    return grads, directions


def project(gradient: np.ndarray, directions: np.ndarray) -> np.ndarray:
    """Projections ``v_k . gradient`` of a witness's gradient, in float64."""
    return np.tensordot(directions, gradient.astype(np.float64), axes=gradient.ndim)
