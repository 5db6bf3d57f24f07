"""scoreedu.cost: backward passes counted right, the variance formula against sampling, and the
timing helpers shared by chapter 4 and benchmarks/trace_cost.py."""

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from scoreedu import cost  # noqa: E402
from scoreedu.nets import ScoreMLP  # noqa: E402
from scoreedu.trace import batch_jacobian, jacobian_trace  # noqa: E402


@pytest.mark.parametrize("dim", [1, 3, 17])
def test_the_loop_takes_one_backward_pass_per_coordinate(dim):
    f = ScoreMLP(dim, 8)
    x = torch.randn(4, dim, requires_grad=True)
    with cost.count_backward_passes(x) as passes:
        jacobian_trace(f, x, "loop")
    assert passes.count == dim


def test_hutchinson_takes_one_per_probe_and_structured_none():
    f = ScoreMLP(6, 8)
    x = torch.randn(4, 6, requires_grad=True)
    with cost.count_backward_passes(x) as passes:
        jacobian_trace(f, x, "hutchinson", n_probes=3)
    assert passes.count == 3
    with cost.count_backward_passes(x) as passes:
        jacobian_trace(f, x, "structured")
    assert passes.count == 0
    # A plain .backward() into x is one pass too, and the hook is gone after the block.
    with cost.count_backward_passes(x) as passes:
        f(x).sum().backward()
    assert passes.count == 1
    f(x).sum().backward()
    assert passes.count == 1


def test_counting_needs_a_tensor_that_requires_grad():
    with pytest.raises(ValueError, match="requires_grad"):
        with cost.count_backward_passes(torch.randn(2, 3)):
            pass


def test_backward_passes_per_method():
    assert cost.backward_passes("loop", 12) == 12
    assert cost.backward_passes("hutchinson", 12) == 1
    assert cost.backward_passes("structured", 12) == 0
    assert cost.backward_passes("plain", 12) == 0
    assert cost.backward_passes("vmap-rev", 12) is None


@pytest.mark.parametrize("probe", ["gaussian", "rademacher"])
def test_hutchinson_variance_formula_matches_sampling(probe):
    torch.manual_seed(0)
    f = ScoreMLP(5, 8, 2, activation="tanh", dtype=torch.float64)
    x = torch.randn(3, 5, dtype=torch.float64)
    predicted = cost.hutchinson_variance(batch_jacobian(f, x), probe)
    gen = torch.Generator().manual_seed(1)
    draws = torch.stack(
        [
            jacobian_trace(f, x, "hutchinson", generator=gen, probe=probe).detach()
            for _ in range(3000)
        ]
    )
    # The sample variance of 3000 draws is within ~15% of the truth (kurtosis allowing).
    torch.testing.assert_close(draws.var(0), predicted, rtol=0.15, atol=0)
    assert (cost.hutchinson_variance(batch_jacobian(f, x), probe, n_probes=4) * 4).allclose(
        predicted
    )


def test_rademacher_variance_is_below_gaussian_and_zero_on_a_diagonal():
    jac = torch.randn(4, 6, 6, dtype=torch.float64)
    gauss = cost.hutchinson_variance(jac, "gaussian")
    rad = cost.hutchinson_variance(jac, "rademacher")
    assert (rad < gauss).all()
    diag = torch.diag_embed(torch.randn(2, 5, dtype=torch.float64))
    assert cost.hutchinson_variance(diag, "rademacher").abs().max() < 1e-15
    torch.testing.assert_close(
        cost.hutchinson_variance(diag, "gaussian"), 2 * (diag**2).sum((1, 2))
    )


def test_hutchinson_variance_refusals():
    with pytest.raises(ValueError, match="probe"):
        cost.hutchinson_variance(torch.zeros(1, 2, 2), "uniform")
    with pytest.raises(ValueError, match=r"\(N, D, D\)"):
        cost.hutchinson_variance(torch.zeros(2, 2))
    with pytest.raises(ValueError, match="n_probes"):
        cost.hutchinson_variance(torch.zeros(1, 2, 2), n_probes=0)


def test_every_exact_step_minimises_the_same_loss():
    torch.manual_seed(0)
    f = ScoreMLP(4, 8, 2, dtype=torch.float64)
    x = torch.randn(6, 4, dtype=torch.float64)
    losses = {m: cost.step_loss(f, x, m).item() for m in ("loop", "vmap-rev", "vmap-fwd")}
    losses["structured"] = cost.step_loss(f, x, "structured").item()
    for value in losses.values():
        assert math.isclose(value, losses["loop"], rel_tol=1e-12)
    assert cost.step_loss(f, x, "plain").item() != pytest.approx(losses["loop"])


def test_training_step_changes_the_parameters():
    torch.manual_seed(0)
    f = ScoreMLP(3, 8)
    opt = torch.optim.SGD(f.parameters(), lr=0.1)
    before = [p.detach().clone() for p in f.parameters()]
    loss = cost.training_step(f, opt, torch.randn(8, 3), "structured")
    assert math.isfinite(loss)
    assert any(not torch.equal(a, b) for a, b in zip(before, f.parameters()))


def test_measure_table_and_plot():
    rows = cost.measure([2, 4], ("loop", "structured"), batch=4, hidden=8, repeats=2)
    assert [(r["D"], r["method"]) for r in rows] == [
        (2, "loop"),
        (2, "structured"),
        (4, "loop"),
        (4, "structured"),
    ]
    assert all(r["ms"] > 0 for r in rows)
    assert cost.lookup(rows, 4, "loop") == rows[2]["ms"]
    with pytest.raises(KeyError):
        cost.lookup(rows, 8, "loop")
    table = cost.format_table(
        rows + [{"D": 4, "method": "vmap-rev", "ms": 1.0, "backward_passes": None}]
    )
    assert "4 batched" in table and table.count("\n") == 5
    fig, ax = plt.subplots()
    cost.draw_cost(ax, rows)
    assert len(ax.get_lines()) == 3 and ax.get_xscale() == "log"
    plt.close(fig)


def test_bad_method_is_refused():
    with pytest.raises(ValueError, match="method must be one of"):
        cost.time_training_step(4, "exact")
    with pytest.raises(ValueError, match="dim"):
        cost.backward_passes("loop", 0)


def test_measuring_leaves_the_global_random_stream_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    cost.time_training_step(3, "hutchinson", batch=4, hidden=4, repeats=1)
    cost.backward_passes("loop", 3)
    assert torch.equal(torch.rand(3), expected)


def test_step_loss_plain_checks_x():
    x = torch.randn(4, 2)
    x[0, 0] = math.nan
    with pytest.raises(ValueError, match="x must be finite"):
        cost.step_loss(ScoreMLP(2, hidden=8), x, "plain")


def test_training_step_names_a_bad_optimizer():
    with pytest.raises(TypeError, match="optimizer must be a torch.optim.Optimizer"):
        cost.training_step(ScoreMLP(2, hidden=8), 3, torch.randn(4, 2), "plain")


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"budget_s": -1.0}, ValueError, "budget_s must be a finite number > 0"),
        ({"seed": -1}, ValueError, "seed must be an int >= 0"),
        ({"batch": 2.5}, TypeError, "batch must be an int"),
    ],
)
def test_time_training_step_names_bad_options(kwargs, error, match):
    with pytest.raises(error, match=match):
        cost.time_training_step(2, "plain", **kwargs)


@pytest.mark.parametrize(
    "jacobian, error, match",
    [
        (torch.ones(2, 2, 3), ValueError, "jacobian must have shape \\(N, D, D\\)"),
        (torch.ones(2, 2, 2, dtype=torch.int64), TypeError, "jacobian must be float32"),
        (torch.full((2, 2, 2), math.nan), ValueError, "jacobian must be finite"),
        ([[[1.0]]], TypeError, "jacobian must be a tensor"),
    ],
    ids=["not-square", "int", "nan", "list"],
)
def test_hutchinson_variance_names_a_bad_jacobian(jacobian, error, match):
    with pytest.raises(error, match=match):
        cost.hutchinson_variance(jacobian)


@pytest.mark.parametrize(
    "dims, methods, error, match",
    [
        (3, ["plain"], TypeError, "dims and methods must be sequences"),
        ([2], "plain", TypeError, "dims and methods must be sequences"),
        ([2], ["plain", "fast"], ValueError, "method must be one of"),
    ],
)
def test_measure_names_bad_dims_and_methods(dims, methods, error, match):
    with pytest.raises(error, match=match):
        cost.measure(dims, methods, repeats=1, budget_s=0.01)
