"""The one call at the top of every notebook: seeds, plot style, device, CPU threads."""

import random

import numpy as np
import torch

from scoreedu import validate
from scoreedu.device import get_device
from scoreedu.plot import use_style


def notebook_setup(seed: int = 0, device="auto", threads: int | None = None) -> torch.device:
    """Seed Python, NumPy and torch, set the shared plot style, pick and print the device.

    threads: how many CPU threads torch uses (None leaves torch's choice). The series' tensors
    are tiny, and one thread beats two that spend their time handing work back and forth
    (up to 10x slower on a busy machine).
    Returns the torch.device from get_device(device). Printing it tells the reader where the
    numbers below came from.
    """
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative int; got {seed!r}")
    if threads is not None:
        torch.set_num_threads(validate.count(threads, "threads"))
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    use_style()
    dev = get_device(device)
    print(f"scoreedu: running on {dev.type}, seed {seed}")
    return dev
