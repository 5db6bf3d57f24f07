"""Standard-normal, Rademacher and random-index draws that follow a tensor's device (and dtype).

A torch.Generator lives on one device; drawing there and moving the numbers keeps a seeded CPU
generator usable with a batch on a GPU (and the same seed gives the same numbers on both).
"""

import torch

from scoreedu import validate


def _check(like, generator) -> None:
    if not isinstance(like, torch.Tensor):
        raise TypeError(f"like must be a torch.Tensor; got {type(like).__name__}")
    validate.generator(generator)


def standard_normal(shape, like: torch.Tensor, generator=None) -> torch.Tensor:
    """z ~ N(0, I) of the given shape, on like's device and in like's dtype."""
    _check(like, generator)
    where = generator.device if generator is not None else like.device
    z = torch.randn(shape, generator=generator, device=where, dtype=like.dtype)
    return z.to(like.device)


def rademacher(shape, like: torch.Tensor, generator=None) -> torch.Tensor:
    """v with entries ±1, each with probability ½, on like's device and in like's dtype."""
    _check(like, generator)
    where = generator.device if generator is not None else like.device
    bits = torch.randint(0, 2, shape, generator=generator, device=where)
    return (2 * bits - 1).to(device=like.device, dtype=like.dtype)


def random_indices(high: int, n: int, like: torch.Tensor, generator=None) -> torch.Tensor:
    """n indices drawn uniformly from 0..high-1 (with replacement), (n,) int64 on like's device:
    the rows of a minibatch, or a noise level per row."""
    validate.count(high, "high")
    validate.count(n, "n", minimum=0)
    _check(like, generator)
    where = generator.device if generator is not None else like.device
    return torch.randint(0, high, (n,), generator=generator, device=where).to(like.device)
