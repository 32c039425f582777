"""Weight initialisation with torch.nn.init, described by the shared statistical checks."""

import numpy as np
import torch
from torch import nn

from reference.init import describe

INITIALIZERS = {
    "glorot_uniform": lambda w, g: nn.init.xavier_uniform_(w, generator=g),
    "glorot_normal": lambda w, g: nn.init.xavier_normal_(w, generator=g),
    # kaiming_*_ defaults to nonlinearity="leaky_relu" with a=0: gain sqrt(2), as for relu
    "he_uniform": lambda w, g: nn.init.kaiming_uniform_(w, nonlinearity="relu", generator=g),
    "he_normal": lambda w, g: nn.init.kaiming_normal_(w, nonlinearity="relu", generator=g),
    "small_normal": lambda w, g: nn.init.normal_(w, std=0.01, generator=g),
    "uniform_pm1": lambda w, g: nn.init.uniform_(w, -1.0, 1.0, generator=g),
}


def init(like, *, scheme, shape, seed):
    w = torch.empty(shape, dtype=like.dtype)  # (out, in) or (out, in, kh, kw)
    INITIALIZERS[scheme](w, torch.Generator().manual_seed(seed))
    # private: no public API gives the fans this initialiser uses
    fan_in, fan_out = nn.init._calculate_fan_in_and_fan_out(w)
    return describe(w.numpy(), scheme, fan_in, fan_out)


# Catalog sides (comparisons/divergences/init.py): deterministic flags of a seeded draw.


def linear_init_flags(*, n_in, n_out, seed, glorot=False):
    """[weight passes the Glorot-uniform checks, bias is zero] of a torch.nn.Linear(n_in, n_out), float64.

    ``glorot=False``: the layer's own initialisation; ``glorot=True``: re-initialised with
    nn.init.xavier_uniform_ and zeros_, Keras Dense's defaults.
    """
    with torch.random.fork_rng():  # a fixed seed without touching the global stream
        torch.manual_seed(seed)
        linear = nn.Linear(n_in, n_out)  # kaiming_uniform_(a=sqrt(5)): U(+-1/sqrt(fan_in)), bias likewise
    if glorot:
        nn.init.xavier_uniform_(linear.weight, generator=torch.Generator().manual_seed(seed))
        nn.init.zeros_(linear.bias)
    facts = describe(linear.weight.detach().numpy(), "glorot_uniform", n_in, n_out)
    return np.array([facts["bound_ok"] * facts["std_ok"], float(np.all(linear.bias.detach().numpy() == 0))])


def xavier_normal_tail_flag(*, n_in, n_out, seed):
    """1.0 when some draw of nn.init.xavier_normal_ on an (n_out, n_in) weight exceeds 2.5 standard deviations.

    Certain for 2048 untruncated normal draws (none does with probability 1e-11),
    impossible for a normal truncated at 2 sigma / 0.8796 = 2.27 sigma.
    """
    w = torch.empty(n_out, n_in)
    nn.init.xavier_normal_(w, generator=torch.Generator().manual_seed(seed))  # untruncated N(0, 2 / (fan_in + fan_out))
    return np.array([float(np.abs(w.numpy()).max() > 2.5 * np.sqrt(2.0 / (n_in + n_out)))])
