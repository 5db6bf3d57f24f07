"""The one call at the top of every notebook: seeds, plot style, device."""

import random

import numpy as np
import torch

from scoreedu.device import get_device


def notebook_setup(seed: int = 0, device="auto") -> torch.device:
    """Seed Python, NumPy and torch, set the shared plot style, pick and print the device.

    Returns the torch.device from get_device(device). Printing it tells the reader where the
    numbers below came from.
    """
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative int; got {seed!r}")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    from scoreedu.plot import use_style

    use_style()
    dev = get_device(device)
    print(f"scoreedu: running on {dev.type}, seed {seed}")
    return dev
