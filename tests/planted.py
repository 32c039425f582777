"""Planted implementations: witnesses that crash, hang, raise or import what is not there.

Importable by name in the witness workers (pytest puts tests/ on sys.path, and spawned
workers inherit it), so that the harness's defences are tested in real processes.
"""

import os
import signal
import time


def segfaults(x):
    os.kill(os.getpid(), signal.SIGSEGV)


def exits(x):
    os._exit(3)


def hangs(x):
    time.sleep(600)


def raises(x):
    raise RuntimeError("planted failure")


def imports_a_missing_package(x):
    import torchvision_is_not_here  # noqa: F401 - the planted bug

    return x


def imports_an_optional_package(x):
    import onnxruntime_planted_missing  # noqa: F401 - declared optional by the test's concept

    return x


def torch_sigmoid_wrong_shape(x):
    import torch

    return torch.sigmoid(x)[:-1]


def torch_sigmoid_wrong_dtype(x):
    import torch

    return torch.sigmoid(x).double()


def torch_sigmoid_nan(x):
    import torch

    return torch.sigmoid(x) * float("nan")


def torch_dropout_unscaled(x, *, p):
    """torch's own dropout mask applied without the inverted-dropout scale 1 / (1 - p)."""
    import torch

    with torch.random.fork_rng():
        torch.manual_seed(0)
        mask = (torch.nn.functional.dropout(x, p, training=True) != 0).to(x.dtype)
    return {"out": x * mask, "mask": mask}


def torch_dropout_without_its_mask(x, *, p):
    """torch's dropout that does not say which mask it drew."""
    import torch

    return torch.nn.functional.dropout(x, p, training=True)


def jax_sigmoid_but_raises_on_three_rows(x):
    """jax.nn.sigmoid, except that an input of three rows raises while it is traced."""
    import jax

    if x.shape[0] == 3:
        raise ValueError("planted failure on three rows")
    return jax.nn.sigmoid(x)


def frameworks_imported(x, *, names):
    """Which of the modules ``names`` this worker process has imported, in that order."""
    import sys

    import numpy as np

    return np.array([sys.modules.get(name) is not None for name in names])


def answers_slowly(x, *, seconds):
    """The input and the id of the process that answered, after ``seconds``."""
    time.sleep(seconds)
    return [float(x[0]), float(os.getpid())]
