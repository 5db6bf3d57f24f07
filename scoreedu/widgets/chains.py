"""The sampler explorer's chains: Langevin on a Gaussian mixture's exact noised score, in NumPy.

The same update as scoreedu.sampling.annealed_langevin with the score of p_σ (the mixture with
stds √(σ_k² + σ²)), and the same numbers to rounding (tests/test_widgets_chains.py), made fast
enough to follow a dragged slider. A frame runs about 300 steps of 400 two-dimensional chains:
800 numbers a step, so a step's cost is the per-call overhead of its operations, not arithmetic.
The generic sampler spends about 200 µs a step (torch calls, shape checks, a softmax over an
(N, K, D) array); here a step is seven NumPy calls on contiguous (N,) rows, about 7 µs:

    log r_k(x) = log w_k − D/2 log v_k − ‖x − μ_k‖²/(2 v_k) + const,  v_k = σ_k² + σ²
    s(x)       = Σ_k r_k(x) (μ_k − x)/v_k
    x          ← x + α s(x) + √(2α) z

For two components the softmax is a logistic of one logit, r_1 = 1/(1 + exp(−ℓ)) with
ℓ = b + x·u − ½ d‖x‖², u = μ_1/v_1 − μ_2/v_2, d = 1/v_1 − 1/v_2, and the update is linear in r_1:
x ← x (1 − α/v_2 − α d r_1) + α μ_2/v_2 + α r_1 u + √(2α) z. Any other number of components
takes the general softmax path (about five times slower).
"""

import numpy as np


def mixture_levels(means: np.ndarray, stds: np.ndarray, weights: np.ndarray, sigma: float):
    """The noised mixture p_σ's parameters: (means (K, D), variances v_k = σ_k² + σ² (K,),
    log-weights (K,)), as NumPy float64."""
    with np.errstate(divide="ignore"):  # a zero weight is log w = -inf: that mode pulls nothing
        return means, stds**2 + sigma**2, np.log(weights)


def _two_component_run(x, means, var, log_w, alpha, noise):
    """Steps of x ← x + α s(x) + √(2α) z for K = 2 (logistic form). x: (N, D), noise: (T, N, D)."""
    dim = means.shape[1]
    inv = 1.0 / var
    u = means[0] * inv[0] - means[1] * inv[1]
    d = inv[0] - inv[1]
    b = (log_w[0] - log_w[1] - 0.5 * dim * np.log(var[0] / var[1])
         - 0.5 * (means[0] @ means[0] * inv[0] - means[1] @ means[1] * inv[1]))  # fmt: skip
    # With r_1 = (1 + tanh(ℓ/2))/2 the step is x (keep − ½αd t) + t ½αu + kick, t = tanh(ℓ/2):
    # one tanh instead of exp, add, divide, and the drift's constant part α μ_2/v_2 + ½αu rides
    # in the kick with the noise, added for the whole level at once. The chains are held as
    # (D, N), each coordinate one contiguous row: the same operations take half the time.
    constant = alpha * (means[1] * inv[1] + 0.5 * u)
    kick = np.sqrt(2.0 * alpha) * np.ascontiguousarray(noise.transpose(0, 2, 1))
    kick += constant[:, None]
    keep = 1.0 - alpha * inv[1] - 0.5 * alpha * d
    half_u, half_b, half_push = 0.5 * u, 0.5 * b, 0.5 * alpha * u[:, None]
    xt, t, pushed = np.ascontiguousarray(x.T), np.empty(len(x)), np.empty((dim, len(x)))
    for z in kick:  # in place throughout: a step is seven calls and no allocation
        np.dot(half_u, xt, out=t)
        t += half_b
        if d != 0.0:  # unequal widths: the ‖x‖² terms of the two logits no longer cancel
            t -= 0.25 * d * np.einsum("dn,dn->n", xt, xt)
        np.tanh(t, out=t)
        np.multiply(half_push, t, out=pushed)
        if d != 0.0:
            xt *= keep - 0.5 * alpha * d * t
        else:
            xt *= keep
        xt += pushed
        xt += z
    return xt.T


def _softmax_run(x, means, var, log_w, alpha, noise):
    """Steps of x ← x + α s(x) + √(2α) z for any K (softmax form). x: (N, D), noise: (T, N, D)."""
    dim = means.shape[1]
    inv = 1.0 / var
    c = log_w - 0.5 * dim * np.log(var) - 0.5 * (means**2).sum(1) * inv
    a = (means * inv[:, None]).T  # (D, K)
    scale = np.sqrt(2.0 * alpha)
    for z in noise:
        logits = x @ a + c - 0.5 * np.einsum("nd,nd->n", x, x)[:, None] * inv
        logits -= logits.max(1, keepdims=True)
        r = np.exp(logits)
        r *= inv / r.sum(1, keepdims=True)  # r_k / v_k
        score = r @ means - r.sum(1, keepdims=True) * x
        x = x + alpha * score + scale * z
    return x


def mixture_chains(mixture, x0: np.ndarray, sigmas, step_sizes, n_steps_each: int, noise):
    """Annealed (or, with one level, plain) Langevin on the exact score of a mixture's p_σ.

    mixture: a GaussianMixture. x0: (N, D). sigmas: (L,) levels visited in order; step_sizes:
    (L,) the step α_i at each. noise: (T, N, D) standard normals, T >= L·n_steps_each, used in
    order (row t drives step t). Returns x after L·n_steps_each steps, (N, D) float64.
    """
    means = mixture.means.double().numpy()
    stds, weights = mixture.stds.double().numpy(), mixture.weights.double().numpy()
    run = _two_component_run if len(means) == 2 else _softmax_run
    x = np.array(x0, dtype=np.float64)
    # a step size too large sends the chains to inf: named below, not warned about on the way
    with np.errstate(over="ignore", invalid="ignore"):
        for i, (sigma, alpha) in enumerate(zip(sigmas, step_sizes)):
            levels = mixture_levels(means, stds, weights, float(sigma))
            x = run(x, *levels, float(alpha), noise[i * n_steps_each : (i + 1) * n_steps_each])
    if not np.isfinite(x).all():
        raise ValueError(
            "the chains diverged to NaN or inf: the step size is too large for this mixture"
        )
    return x
