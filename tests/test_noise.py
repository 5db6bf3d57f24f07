"""Random indices follow the tensor they index, and keep the seeded stream of torch.randint."""

import pytest
import torch

from scoreedu.noise import random_indices


def test_random_indices_are_torch_randint_on_the_generators_device():
    like = torch.zeros(3, dtype=torch.float64)
    got = random_indices(7, 500, like, torch.Generator().manual_seed(4))
    expected = torch.randint(0, 7, (500,), generator=torch.Generator().manual_seed(4))
    assert torch.equal(got, expected)  # the same stream: seeded results stay as they were
    assert got.dtype == torch.int64 and got.device == like.device
    assert set(got.tolist()) == set(range(7))  # every index, none outside 0..6


@pytest.mark.parametrize(
    "args, error, match",
    [
        ((7, 5, [1.0, 2.0]), TypeError, "like must be a torch.Tensor"),
        ((0, 5, torch.zeros(1)), ValueError, "high must be an int >= 1"),
        ((7, -1, torch.zeros(1)), ValueError, "n must be an int >= 0"),
        ((7, "a", torch.zeros(1)), TypeError, "n must be an int"),
    ],
)
def test_random_indices_name_bad_arguments(args, error, match):
    with pytest.raises(error, match=match):
        random_indices(*args)
