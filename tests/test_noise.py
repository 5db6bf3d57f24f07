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


def test_random_indices_name_a_like_that_is_not_a_tensor():
    with pytest.raises(TypeError, match="like must be a torch.Tensor"):
        random_indices(7, 5, [1.0, 2.0])
