"""Checkers for chapter 3's exercises: J_I in code, Hyvärinen's Gaussian fit, the boundary,
and Kingma & LeCun's penalty.

Each takes the learner's answer (None = not attempted) and returns Feedback.
"""

import math

import torch

from scoreedu import validate
from scoreedu.exercises.feedback import (
    NOT_ATTEMPTED,
    Feedback,
    check_function,
    check_number_with_slips,
)
from scoreedu.gaussian_model import closed_form
from scoreedu.lemma import TruncatedNormal, derivative

# Exercise 1: the implicit objective of a 1-D model, written by the learner, run on models and
# samples it has not seen.


def implicit_objective_1d(model, x: torch.Tensor) -> torch.Tensor:
    """J_I = mean over the batch of ½ s(x)² + ∂s/∂x, for a model (N, 1) -> (N, 1). 0-dim."""
    validate.callable_(model, "model")
    validate.batch(x, dim=1)
    s, ds = _values_and_derivative(model, x)
    return (0.5 * s**2 + ds).mean()


def _values_and_derivative(model, x):
    s = model(x)[:, 0].detach()
    return s, derivative(lambda t: model(t)[:, 0], x)  # ∂s/∂x per row, by autograd


def _slip(formula):
    def wrong(model, x):
        return formula(*_values_and_derivative(model, x))

    return wrong


IMPLICIT_SLIPS = (
    (
        _slip(lambda s, ds: (s**2 + ds).mean()),
        "the ½ in front of s(x)² is missing.",
    ),
    (
        _slip(lambda s, ds: (0.5 * s**2 - ds).mean()),
        "the derivative enters with a plus sign: integrating −∫ s ∂x p dx by parts gives "
        "+∫ p ∂x s dx.",
    ),
    (
        _slip(lambda s, ds: (0.5 * s**2 + ds).sum()),
        "that is the sum over the batch; the objective is an expectation, so take the mean.",
    ),
    (
        _slip(lambda s, ds: (0.5 * s**2 + ds**2).mean()),
        "(∂s/∂x)² is Kingma & LeCun's penalty; the trace term is ∂s/∂x itself.",
    ),
    (
        _slip(lambda s, ds: (0.5 * s**2 + s * ds).mean()),
        "s ∂s/∂x is the derivative of ½s²; differentiate s itself.",
    ),
    (
        _slip(lambda s, ds: (0.5 * s**2).mean()),
        "that is only the model term ½ s²; add the derivative ∂s/∂x.",
    ),
)


def _implicit_cases():
    from scoreedu.gaussian_model import GaussianScoreModel
    from scoreedu.nets import ScoreMLP

    g = torch.Generator().manual_seed(12)
    torch_state = torch.random.get_rng_state()
    torch.manual_seed(12)  # the network's initial weights, without disturbing the caller's seed
    net = ScoreMLP(1, hidden=8, activation="tanh", dtype=torch.float64)
    torch.random.set_rng_state(torch_state)
    models = [
        GaussianScoreModel(1, mean=[0.5], precision=[[2.0]]),
        net,
        _Cubic(),
    ]
    cases = []
    for model in models:
        x = 1.5 * torch.randn(64, 1, generator=g, dtype=torch.float64)
        cases.append(((model, x), implicit_objective_1d(model, x)))
    return cases


class _Cubic(torch.nn.Module):
    """s(x) = x − x³: not a Gaussian model's score, so a slip cannot hide behind linearity."""

    def forward(self, x):
        return x - x**3


def check_implicit_objective(function) -> Feedback:
    """Exercise 1: the learner's implicit_1d(model, x), run on three models it has not seen."""
    return check_function(
        function, _implicit_cases(), "implicit_1d(model, x)", slips=IMPLICIT_SLIPS, rtol=1e-6
    )


def check_precision(answer, x: torch.Tensor) -> Feedback:
    """P of s(x) = −P(x − μ) that minimises the implicit objective on x (N, D): Σ̂⁻¹, Σ̂ the sample
    covariance divided by N."""
    if answer is None:
        return Feedback(False, NOT_ATTEMPTED, attempted=False)
    _, expected = closed_form(x.to(torch.float64))
    try:
        value = torch.as_tensor(answer, dtype=torch.float64).reshape(expected.shape)
    except (TypeError, ValueError, RuntimeError):
        return Feedback(False, f"P should be a {tuple(expected.shape)} matrix; got {answer!r}")
    if torch.allclose(value, expected, rtol=1e-4, atol=1e-8):
        return Feedback(True, "P = Σ̂⁻¹, the inverse of the sample covariance Σ̂.")
    n = x.shape[0]
    centred = x.to(torch.float64) - x.to(torch.float64).mean(0)
    cov = centred.T @ centred / n
    if torch.allclose(value, cov, rtol=1e-4):
        return Feedback(
            False,
            "that is the covariance S itself (S = Σ̂, the sample covariance); the precision is its "
            "inverse.",
        )
    if torch.allclose(value, expected * (n - 1) / n, rtol=1e-4):
        return Feedback(
            False, "you divided by N − 1; the implicit objective's minimiser divides by N."
        )
    return Feedback(False, "set the gradient of ½ tr(P Σ̂ P) − tr P to zero: ½(PΣ̂ + Σ̂P) = I.")


def check_truncated_minimiser(answer) -> Feedback:
    """argmin over θ of the implicit objective for s_θ(x) = −(x − θ) on N(0, 1) restricted to
    x ≥ 1: θ = E[x | x ≥ 1] = N(1; 0, 1)/(1 − Φ(1)) ≈ 1.525, to 4 significant digits (Φ the
    standard normal distribution function)."""
    edge = TruncatedNormal(1.0)
    hints = {
        0.0: "0 minimises the explicit objective (the truth); the implicit one is "
        "E[½(x − θ)²] − 1.",
        1.0: "1 is the edge of the support; the minimiser of E[½(x − θ)²] is a mean.",
        math.sqrt(2 / math.pi): "that is E[x] for the half-normal on [0, ∞); here the edge is 1.",
    }
    return check_number_with_slips(
        answer,
        edge.expected_value(),
        "θ",
        hints.items(),
        rtol=1e-4,
        hint="The implicit objective is minimised at θ = E[x]; for N(0, 1) on [1, ∞) that is "
        "e^(−1/2)/√(2π) divided by 1 − Φ(1), with Φ the standard normal distribution function.",
    )


def check_regularised_precision(answer) -> Feedback:
    """1-D, sample variance Σ̂ = 1, λ = 0.25: argmin_P ½P²Σ̂ − P + λP² = 1/(Σ̂ + 2λ) = 2/3."""
    var_hat, lam = 1.0, 0.25
    hints = {1 / var_hat: "that is the unregularised answer: the penalty λP² pulls P down."}
    hints[1 / (var_hat + lam)] = "the derivative of λP² is 2λP."
    return check_number_with_slips(
        answer, 1 / (var_hat + 2 * lam), "P", hints.items(), hint="Set d/dP (½P²Σ̂ − P + λP²) = 0."
    )
