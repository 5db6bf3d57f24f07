"""scoreedu.gaussian_model: s(x) = −P(x − μ), its exact trace, and Hyvärinen's closed form."""

import pytest
import torch

from scoreedu.gaussian_model import GaussianScoreModel, closed_form
from scoreedu.trace import jacobian_trace


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_score_and_trace(device, dtype):
    model = GaussianScoreModel(
        2, mean=[1.0, -1.0], precision=[[2.0, 0.5], [0.5, 1.0]], device=device, dtype=dtype
    )
    x = torch.randn(7, 2, device=device, dtype=dtype)
    want = -(x - torch.tensor([1.0, -1.0], device=device, dtype=dtype)) @ model.precision.T
    torch.testing.assert_close(model(x), want)
    torch.testing.assert_close(
        model.jacobian_trace(x), torch.full((7,), -3.0, device=device, dtype=dtype)
    )
    torch.testing.assert_close(jacobian_trace(model, x, method="loop"), model.jacobian_trace(x))


def test_precision_stays_symmetric_and_trains():
    model = GaussianScoreModel(2, precision=[[1.0, 0.3], [0.0, 1.0]])
    torch.testing.assert_close(model.precision, model.precision.T)
    model(torch.randn(5, 2, dtype=torch.float64)).sum().backward()
    assert model.mean.grad is not None and model.raw_precision.grad is not None


def test_closed_form_is_the_mean_and_inverse_biased_covariance():
    x = torch.tensor([[0.0, 0.0], [2.0, 0.0], [0.0, 2.0], [2.0, 4.0]], dtype=torch.float64)
    mean, precision = closed_form(x)
    torch.testing.assert_close(mean, torch.tensor([1.0, 1.5], dtype=torch.float64))
    cov = torch.tensor([[1.0, 0.5], [0.5, 2.75]], dtype=torch.float64)
    torch.testing.assert_close(precision, torch.linalg.inv(cov))


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match=r"mean must have shape \(2,\)"):
        GaussianScoreModel(2, mean=[0.0])
    with pytest.raises(ValueError, match=r"precision must have shape \(2, 2\)"):
        GaussianScoreModel(2, precision=[1.0, 1.0])
    with pytest.raises(ValueError, match="finite"):
        GaussianScoreModel(1, mean=[float("nan")])
    with pytest.raises(TypeError, match="dtype"):
        GaussianScoreModel(1, dtype=torch.int32)
    model = GaussianScoreModel(2)
    with pytest.raises(ValueError, match=r"x must have shape \(N, 2\)"):
        model(torch.zeros(3, 1, dtype=torch.float64))
    with pytest.raises(ValueError, match="move one of them"):
        model(torch.zeros(3, 2, dtype=torch.float32))
    with pytest.raises(ValueError, match="more rows than columns"):
        closed_form(torch.zeros(2, 2))


def test_gaussian_score_model_names_a_non_numeric_mean():
    with pytest.raises(TypeError, match="mean must be numbers"):
        GaussianScoreModel(2, mean="a")


def test_closed_form_names_a_singular_covariance():
    x = torch.ones(10, 2, dtype=torch.float64)
    with pytest.raises(ValueError, match="sample covariance is singular"):
        closed_form(x)
