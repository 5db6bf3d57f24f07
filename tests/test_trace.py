"""scoreedu.trace: every method against a dense Jacobian in float64, Hutchinson's mean, gradients
through each method, and the refusals."""

import math

import pytest
import torch

from scoreedu.nets import ScoreMLP
from scoreedu.noise import rademacher, standard_normal
from scoreedu.trace import batch_jacobian, hutchinson_with_probes, jacobian_trace

EXACT = [
    ("loop", {}),
    ("vmap", {"vmap_mode": "rev"}),
    ("vmap", {"vmap_mode": "fwd"}),
    ("structured", {}),
    ("auto", {}),
]
EXACT_IDS = ["loop", "vmap-rev", "vmap-fwd", "structured", "auto"]


def dense_trace(f, x):
    """tr ∇x f(x) per row from torch.autograd.functional.jacobian: the reference."""
    rows = [torch.autograd.functional.jacobian(lambda xi: f(xi[None])[0], xi) for xi in x]
    return torch.stack([torch.trace(j) for j in rows])


def net(dim=5, depth=2, activation="softplus", hidden=7, seed=0, device="cpu"):
    torch.manual_seed(seed)
    return ScoreMLP(dim, hidden, depth, activation, device=device, dtype=torch.float64)


def plain_function(x):
    """A non-linear R^D -> R^D map without a structured trace: a rotation of tanh(x) plus x²."""
    return torch.tanh(x).roll(1, dims=1) * x + 0.5 * x**2


@pytest.mark.parametrize("activation", ["softplus", "tanh", "silu"])
@pytest.mark.parametrize("depth", [1, 2, 3, 4])
@pytest.mark.parametrize(("method", "options"), EXACT, ids=EXACT_IDS)
def test_exact_methods_match_the_dense_jacobian(method, options, depth, activation):
    f = net(dim=5, depth=depth, activation=activation)
    x = torch.randn(4, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    got = jacobian_trace(f, x, method=method, **options)
    torch.testing.assert_close(got, dense_trace(f, x), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(("method", "options"), EXACT[:3], ids=EXACT_IDS[:3])
def test_black_box_methods_on_a_plain_function(method, options):
    x = torch.randn(6, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    got = jacobian_trace(plain_function, x, method=method, **options)
    torch.testing.assert_close(got, dense_trace(plain_function, x), rtol=1e-10, atol=1e-12)


def test_auto_falls_back_to_an_exact_method_on_a_plain_function():
    x = torch.randn(3, 4, dtype=torch.float64)
    torch.testing.assert_close(
        jacobian_trace(plain_function, x), dense_trace(plain_function, x), rtol=1e-10, atol=0
    )


def test_linear_map_has_the_trace_of_its_matrix():
    a = torch.randn(4, 4, dtype=torch.float64)
    x = torch.randn(3, 4, dtype=torch.float64)
    for method in ("loop", "vmap"):
        got = jacobian_trace(lambda x: x @ a.T, x, method=method)
        torch.testing.assert_close(got, torch.trace(a).expand(3))


def test_batch_jacobian_is_the_dense_jacobian():
    f = net(dim=3, depth=2)
    x = torch.randn(2, 3, dtype=torch.float64)
    for mode in ("rev", "fwd"):
        jac = batch_jacobian(f, x, mode)
        for n in range(2):
            ref = torch.autograd.functional.jacobian(lambda xi: f(xi[None])[0], x[n])
            torch.testing.assert_close(jac[n], ref)


@pytest.mark.parametrize("probe", ["gaussian", "rademacher"])
def test_hutchinson_mean_is_the_trace_within_a_few_standard_errors(probe):
    f = net(dim=6, depth=2)
    x = torch.randn(5, 6, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    exact = dense_trace(f, x)
    m = 4000
    gen = torch.Generator().manual_seed(4)
    estimate = jacobian_trace(f, x, "hutchinson", n_probes=m, generator=gen, probe=probe)
    # The standard error from the single-probe variance, itself estimated from 400 draws.
    singles = torch.stack(
        [jacobian_trace(f, x, "hutchinson", generator=gen, probe=probe) for _ in range(400)]
    )
    stderr = singles.std(0) / math.sqrt(m)
    z = (estimate - exact).abs() / stderr
    assert (z < 4.5).all(), f"Hutchinson's mean is {z.max():.2f} standard errors off"
    # And it is not merely exact by accident: one probe alone is noisy.
    assert (singles.std(0) > 1e-3).all()


def test_hutchinson_is_exact_for_rademacher_probes_on_a_diagonal_jacobian():
    # vᵀ diag(a) v = Σ a_i v_i² = Σ a_i when v_i = ±1: zero variance.
    scale = torch.tensor([1.0, -2.0, 3.0], dtype=torch.float64)
    x = torch.randn(4, 3, dtype=torch.float64)
    got = jacobian_trace(lambda x: x * scale, x, "hutchinson", probe="rademacher")
    torch.testing.assert_close(got, scale.sum().expand(4))


def test_hutchinson_is_reproducible_with_a_generator():
    f = net()
    x = torch.randn(3, 5, dtype=torch.float64)
    a = jacobian_trace(f, x, "hutchinson", n_probes=2, generator=torch.Generator().manual_seed(0))
    b = jacobian_trace(f, x, "hutchinson", n_probes=2, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(a, b, rtol=0, atol=0)


def parameter_grads(f, loss):
    # The output bias never reaches a derivative in x: its gradient is zero (None from autograd).
    params = list(f.parameters())
    grads = torch.autograd.grad(loss, params, allow_unused=True)
    return [torch.zeros_like(p) if g is None else g for p, g in zip(params, grads)]


@pytest.mark.parametrize("depth", [1, 2, 3])
@pytest.mark.parametrize(("method", "options"), EXACT[1:], ids=EXACT_IDS[1:])
def test_gradients_through_exact_methods_equal_the_loops(method, options, depth):
    f = net(dim=4, depth=depth, activation="tanh")
    x = torch.randn(5, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(5))
    weights = torch.linspace(0.5, 1.5, 5, dtype=torch.float64)  # not a plain sum: a real loss

    def loss(trace):
        return (weights * trace + 0.1 * trace**2).sum()

    want = parameter_grads(f, loss(jacobian_trace(f, x, "loop")))
    got = parameter_grads(f, loss(jacobian_trace(f, x, method, **options)))
    for g, w in zip(got, want):
        torch.testing.assert_close(g, w, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("probe", ["gaussian", "rademacher"])
def test_gradients_through_hutchinson_equal_those_of_its_probes_quadratic_form(probe):
    f = net(dim=4, depth=2)
    x = torch.randn(3, 4, dtype=torch.float64)
    got = parameter_grads(
        f,
        jacobian_trace(
            f, x, "hutchinson", n_probes=3, generator=torch.Generator().manual_seed(7), probe=probe
        ).sum(),
    )
    # The same probes, redrawn from the same seed, on the dense Jacobian: (1/M) Σ vᵀ J v.
    draw = standard_normal if probe == "gaussian" else rademacher
    v = draw((3, 3, 4), x, torch.Generator().manual_seed(7))
    jac = batch_jacobian(f, x)
    want = parameter_grads(f, torch.einsum("mni,nij,mnj->", v, jac, v) / 3)
    for g, w in zip(got, want):
        torch.testing.assert_close(g, w, rtol=1e-10, atol=1e-12)


def test_a_loss_on_the_trace_trains():
    torch.manual_seed(0)
    f = ScoreMLP(3, 16, 2)
    opt = torch.optim.SGD(f.parameters(), lr=0.05)
    x = torch.randn(64, 3)
    first = None
    for _ in range(30):
        opt.zero_grad()
        loss = (jacobian_trace(f, x, "loop") + 3.0).pow(2).mean()  # push tr J towards -3
        loss.backward()
        opt.step()
        first = loss.item() if first is None else first
    assert loss.item() < 0.5 * first


def test_works_under_no_grad_and_with_a_graph_through_x():
    f = net(dim=3)
    leaf = torch.randn(2, 3, dtype=torch.float64, requires_grad=True)
    with torch.no_grad():
        for method in ("loop", "hutchinson", "structured"):
            assert jacobian_trace(f, leaf.detach(), method).shape == (2,)
    # x = 2·leaf: the trace is taken with respect to x, and the graph back to leaf survives.
    trace = jacobian_trace(f, 2 * leaf, "loop")
    torch.testing.assert_close(trace, dense_trace(f, 2 * leaf.detach()))
    trace.sum().backward()
    assert leaf.grad is not None


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_every_method_follows_dtype_and_device(dtype, device):
    torch.manual_seed(0)
    f = ScoreMLP(4, 8, 2, device=device, dtype=dtype)
    x = torch.randn(3, 4, dtype=dtype, device=device)
    exact = jacobian_trace(f, x, "loop")
    for method in ("vmap", "hutchinson", "structured", "auto"):
        got = jacobian_trace(f, x, method, generator=torch.Generator().manual_seed(0))
        assert got.dtype == dtype and got.device == x.device and got.shape == (3,)
        if method != "hutchinson":
            tol = 1e-4 if dtype == torch.float32 else 1e-10
            torch.testing.assert_close(got, exact, rtol=tol, atol=tol)


# --- refusals -------------------------------------------------------------------------------


def test_structured_on_a_plain_function_is_refused():
    with pytest.raises(ValueError, match="structured.*jacobian_trace"):
        jacobian_trace(plain_function, torch.randn(2, 3), method="structured")


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"method": "exact"}, ValueError, "method must be one of"),
        ({"method": "hutchinson", "probe": "uniform"}, ValueError, "probe must be one of"),
        ({"n_probes": 0}, ValueError, "n_probes must be an int >= 1"),
        ({"n_probes": -3}, ValueError, "n_probes"),
        ({"n_probes": 2.5}, TypeError, "n_probes"),
        ({"generator": 42}, TypeError, "generator"),
        ({"vmap_mode": "sideways"}, ValueError, "vmap_mode"),
    ],
)
def test_bad_options_are_refused(kwargs, error, words):
    with pytest.raises(error, match=words):
        jacobian_trace(plain_function, torch.randn(2, 3), **kwargs)


@pytest.mark.parametrize(
    ("x", "error", "words"),
    [
        (torch.randn(3), ValueError, r"shape \(N, D\)"),
        (torch.randn(2, 3, 4), ValueError, r"shape \(N, D\)"),
        (torch.ones(2, 3, dtype=torch.int64), TypeError, "float"),
        (torch.tensor([[1.0, float("nan")]]), ValueError, "finite"),
        ([[1.0, 2.0]], TypeError, "torch.Tensor"),
    ],
)
def test_bad_x_is_refused(x, error, words):
    with pytest.raises(error, match=words):
        jacobian_trace(plain_function, x)


@pytest.mark.parametrize("method", ["loop", "vmap", "hutchinson"])
def test_f_of_the_wrong_shape_is_refused(method):
    with pytest.raises(ValueError, match="f must return the shape of x"):
        jacobian_trace(lambda x: x.sum(1), torch.randn(2, 3), method=method)


def test_a_network_of_another_dimension_is_refused():
    with pytest.raises(ValueError, match=r"shape \(N, 5\)"):
        jacobian_trace(ScoreMLP(5), torch.randn(2, 3), method="structured")


def test_f_that_is_not_callable_is_refused():
    with pytest.raises(TypeError, match="f must be callable"):
        jacobian_trace("net", torch.randn(2, 3))


@pytest.mark.gpu
def test_cuda_matches_cpu():
    torch.manual_seed(0)
    f = ScoreMLP(6, 16, 3, dtype=torch.float64)
    x = torch.randn(4, 6, dtype=torch.float64)
    want = jacobian_trace(f, x, "loop")
    g = f.to("cuda")
    for method in ("loop", "vmap", "structured"):
        torch.testing.assert_close(jacobian_trace(g, x.cuda(), method).cpu(), want)


@pytest.mark.parametrize("method", ["loop", "hutchinson"])
def test_trace_names_an_f_without_a_graph(method):
    with pytest.raises(ValueError, match="f's output does not depend on x"):
        jacobian_trace(lambda x: torch.zeros_like(x), torch.randn(4, 3), method=method)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"x": torch.ones(4, 3, dtype=torch.int64)}, TypeError, "x must be float32 or float64"),
        ({"f": 3}, TypeError, "f must be callable"),
    ],
)
def test_public_trace_methods_check_their_inputs(kwargs, error, match):
    from scoreedu.trace import trace_hutchinson, trace_loop

    args = {"f": lambda x: 2 * x, "x": torch.randn(4, 3), **kwargs}
    for trace in (trace_loop, trace_hutchinson):
        with pytest.raises(error, match=match):
            trace(**args)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"n_probes": 0}, ValueError, "n_probes must be an int >= 1"),
        ({"probe": "uniform"}, ValueError, "probe must be one of"),
        ({"generator": 3}, TypeError, "generator must be a torch.Generator"),
    ],
)
def test_trace_hutchinson_checks_its_options(kwargs, error, match):
    from scoreedu.trace import trace_hutchinson

    with pytest.raises(error, match=match):
        trace_hutchinson(lambda x: 2 * x, torch.randn(4, 3), **kwargs)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_jacobian_trace_refuses_half_precision(dtype):
    with pytest.raises(TypeError, match="x must be float32 or float64"):
        jacobian_trace(lambda x: -x, torch.randn(4, 2).to(dtype))


@pytest.mark.parametrize("mode", ["rev", "fwd"])
def test_batch_jacobian_names_an_f_of_the_wrong_shape(mode):
    with pytest.raises(ValueError, match="f must return the shape of x"):
        batch_jacobian(lambda x: x.sum(1), torch.randn(4, 2), mode)


@pytest.mark.parametrize("draw", [standard_normal, rademacher])
def test_noise_draws_name_bad_arguments(draw):
    with pytest.raises(TypeError, match="like must be a torch.Tensor"):
        draw((2, 2), [1.0])
    with pytest.raises(TypeError, match="generator must be a torch.Generator"):
        draw((2, 2), torch.ones(1), 3)


def test_hutchinson_over_every_sign_vector_is_the_exact_trace():
    torch.manual_seed(0)
    f = ScoreMLP(4, hidden=8, dtype=torch.float64)
    x = torch.randn(3, 4, dtype=torch.float64)
    signs = torch.cartesian_prod(*[torch.tensor([-1.0, 1.0], dtype=torch.float64)] * 4)  # (16, 4)
    v = signs[:, None, :].expand(16, 3, 4)
    exact = jacobian_trace(f, x, "loop").detach()
    assert torch.allclose(hutchinson_with_probes(f, x, v).detach(), exact, atol=1e-12)
    tied = signs[:, 0] == signs[:, 1]  # E[v_1 v_2] = 1 on this half: biased by A_12 + A_21
    half = hutchinson_with_probes(f, x, v[tied]).detach()
    assert not torch.allclose(half, exact, atol=1e-6)
    with pytest.raises(ValueError, match="v must be"):
        hutchinson_with_probes(f, x, v[0])
    with pytest.raises(ValueError, match="v must be finite"):
        hutchinson_with_probes(f, x, v * float("nan"))
    with pytest.raises(TypeError, match="v must hold floating"):
        hutchinson_with_probes(f, x, v.long())
    with pytest.raises(ValueError, match="at least one probe"):
        hutchinson_with_probes(f, x, v[:0])
