"""scoreedu.nets: ScoreMLP's structured trace against a dense Jacobian for every depth and
activation, the depth-2 formula written out, its gradients, and the refusals."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from scoreedu.nets import ACTIVATIONS, NoiseConditionalScoreMLP, ScoreMLP
from scoreedu.trace import jacobian_trace


def dense_trace(f, x):
    rows = [torch.autograd.functional.jacobian(lambda xi: f(xi[None])[0], xi) for xi in x]
    return torch.stack([torch.trace(j) for j in rows])


def net(dim, hidden=6, depth=2, activation="softplus", seed=0):
    torch.manual_seed(seed)
    return ScoreMLP(dim, hidden, depth, activation, dtype=torch.float64)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_derivatives_match_autograd(name):
    act, grad = ACTIVATIONS[name]
    h = torch.linspace(-30, 30, 301, dtype=torch.float64, requires_grad=True)
    (want,) = torch.autograd.grad(act(h).sum(), h)
    torch.testing.assert_close(grad(h.detach()), want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
@pytest.mark.parametrize("depth", [1, 2, 3, 4])
def test_structured_trace_matches_the_dense_jacobian(depth, activation):
    f = net(5, depth=depth, activation=activation)
    x = 2 * torch.randn(6, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(f.jacobian_trace(x), dense_trace(f, x), rtol=1e-10, atol=1e-12)


@settings(max_examples=25, deadline=None)
@given(
    dim=st.integers(1, 9),
    hidden=st.integers(1, 9),
    depth=st.integers(1, 5),
    activation=st.sampled_from(list(ACTIVATIONS)),
    seed=st.integers(0, 2**16),
)
def test_structured_trace_equals_the_loop_for_any_shape(dim, hidden, depth, activation, seed):
    f = net(dim, hidden, depth, activation, seed)
    x = torch.randn(3, dim, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))
    torch.testing.assert_close(
        f.jacobian_trace(x), jacobian_trace(f, x, "loop"), rtol=1e-9, atol=1e-10
    )


def test_depth_two_formula_written_out():
    """tr J = σ'(h₁)ᵀ [(W₁W₃) ∘ W₂ᵀ] σ'(h₂), term by term, as chapter 4 derives it."""
    f = net(4, hidden=5, depth=2, activation="tanh")
    x = torch.randn(3, 4, dtype=torch.float64)
    (w1, b1), (w2, b2), (w3, _) = [(layer.weight, layer.bias) for layer in f.layers]
    h1 = x @ w1.T + b1
    h2 = torch.tanh(h1) @ w2.T + b2
    d1, d2 = 1 - torch.tanh(h1) ** 2, 1 - torch.tanh(h2) ** 2
    formula = torch.einsum("ni,ij,nj->n", d1, (w1 @ w3) * w2.T, d2)
    torch.testing.assert_close(formula, dense_trace(f, x), rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(f.jacobian_trace(x), formula, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("depth", [1, 2, 3, 4])
def test_structured_trace_gradients_equal_the_loops(depth):
    f = net(4, depth=depth, activation="silu")
    x = torch.randn(5, 4, dtype=torch.float64)
    params = list(f.parameters())

    def grads(trace):
        got = torch.autograd.grad((trace**2).sum() + trace.sum(), params, allow_unused=True)
        return [torch.zeros_like(p) if g is None else g for p, g in zip(params, got)]

    for g, w in zip(grads(f.jacobian_trace(x)), grads(jacobian_trace(f, x, "loop"))):
        torch.testing.assert_close(g, w, rtol=1e-10, atol=1e-12)


def test_structured_trace_needs_no_backward_pass_through_x():
    f = net(3)
    x = torch.randn(4, 3, dtype=torch.float64)  # no requires_grad: nothing to differentiate
    assert f.jacobian_trace(x).shape == (4,)
    assert not x.requires_grad


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_follows_device_and_dtype(dtype, device):
    f = ScoreMLP(3, 8, 3, device=device, dtype=dtype)
    x = torch.randn(5, 3, dtype=dtype, device=device)
    s, t = f(x), f.jacobian_trace(x)
    assert s.shape == (5, 3) and s.dtype == dtype and s.device == x.device
    assert t.shape == (5,) and t.dtype == dtype and t.device == x.device


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"dim": 0}, ValueError, "dim"),
        ({"dim": 2.0}, TypeError, "dim"),
        ({"dim": 2, "hidden": 0}, ValueError, "hidden"),
        ({"dim": 2, "depth": 0}, ValueError, "depth"),
        ({"dim": 2, "activation": "relu"}, ValueError, "activation must be one of"),
        ({"dim": 2, "dtype": torch.float16}, TypeError, "dtype"),
        ({"dim": 2, "device": "gpu0"}, ValueError, "device"),
    ],
)
def test_bad_construction_is_refused(kwargs, error, words):
    with pytest.raises(error, match=words):
        ScoreMLP(**kwargs)


def test_bad_inputs_are_refused():
    f = ScoreMLP(3)
    with pytest.raises(ValueError, match=r"shape \(N, 3\)"):
        f.jacobian_trace(torch.randn(2, 4))
    with pytest.raises(ValueError, match=r"shape \(N, D\)"):
        f(torch.randn(3))
    with pytest.raises(ValueError, match="float64.*float32"):
        f.jacobian_trace(torch.randn(2, 3, dtype=torch.float64))


def test_noise_conditional_net_scales_like_one_over_sigma():
    torch.manual_seed(0)
    f = NoiseConditionalScoreMLP(2, 16, 2, dtype=torch.float64)
    x = torch.randn(4, 2, dtype=torch.float64)
    assert f(x, 0.5).shape == (4, 2)
    per_row = torch.tensor([0.1, 0.5, 1.0, 2.0], dtype=torch.float64)
    for i in range(4):
        torch.testing.assert_close(f(x, per_row)[i], f(x[i : i + 1], per_row[i].item())[0])
    with pytest.raises(ValueError, match="sigma must be a positive"):
        f(x, -1.0)
    with pytest.raises(ValueError, match="sigma"):
        f(x, torch.ones(3))


def test_noise_conditional_net_names_bad_inputs():
    with pytest.raises(TypeError, match="dtype must be"):
        NoiseConditionalScoreMLP(2, dtype=torch.int64)
    net = NoiseConditionalScoreMLP(2, hidden=8)
    x = torch.randn(5, 2)
    with pytest.raises(ValueError, match="x is torch.float64 on cpu but the network is"):
        net(x.double(), 1.0)
    for sigma in (float("inf"), float("nan"), 0.0):
        with pytest.raises(ValueError, match="sigma must be a positive number"):
            net(x, sigma)
    for sigma in ("a", None):
        with pytest.raises(TypeError, match="sigma must be a number > 0"):
            net(x, sigma)
