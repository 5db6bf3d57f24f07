"""How well, and how soon, a Langevin chain samples: its bias and its mixing time.

component_shares:           the share of points whose most probable mixture component is k.
steps_to_mix:               the first checkpoint after which a statistic stays near its target.
gaussian_langevin_variance: the variance unadjusted Langevin keeps on N(μ, σ²), step-size bias
                            included: σ² / (1 - ε / (2σ²)).
"""

import torch

from scoreedu import validate


def component_shares(mixture, x: torch.Tensor) -> torch.Tensor:
    """The fraction of the points x whose most probable component is k, for every k.

    mixture: a GaussianMixture (anything with responsibilities(x) -> (N, K)). x: (N, D).
    share_k = #{n : argmax_j r_j(x_n) = k} / N. Returns (K,), summing to 1, in x's dtype.
    For exact samples it is close to the weights w_k when the components barely overlap.
    """
    validate.batch(x)
    if not callable(getattr(mixture, "responsibilities", None)):
        raise TypeError(
            f"mixture must have a .responsibilities(x) method, like GaussianMixture; "
            f"got {type(mixture).__name__}"
        )
    r = mixture.responsibilities(x)
    if not isinstance(r, torch.Tensor) or r.dim() != 2 or r.shape[0] != x.shape[0]:
        shape = tuple(r.shape) if isinstance(r, torch.Tensor) else type(r).__name__
        raise ValueError(
            f"mixture.responsibilities(x) must return shape (N, K) with N = {x.shape[0]}; "
            f"got {shape}"
        )
    return torch.bincount(r.argmax(1), minlength=r.shape[1]).to(x.dtype) / x.shape[0]


def steps_to_mix(steps, values, target, atol: float):
    """The first checkpoint from which every later value lies within atol of target.

    steps: (C,) increasing step counts. values: (C,) or (C, K), a statistic of the chain at each
    checkpoint (e.g. component shares). target: a number or (K,). A row is near when every one
    of its entries is within atol. Returns that step count (an int), or None when even the last
    checkpoint is not near: the chain has not mixed within the run.
    """
    steps = validate.tensor(steps, "steps").cpu()
    values = validate.tensor(values, "values").cpu()
    target = validate.tensor(target, "target").cpu()
    atol = validate.positive(atol, "atol")
    if steps.dim() != 1:
        raise ValueError(f"steps must be 1-D, (C,); got shape {tuple(steps.shape)}")
    if values.dim() not in (1, 2):
        raise ValueError(f"values must have shape (C,) or (C, K); got {tuple(values.shape)}")
    if target.shape not in ((), values.shape[1:]):
        raise ValueError(
            f"target must be a number or have shape {tuple(values.shape[1:])} like a row of "
            f"values; got {tuple(target.shape)}"
        )
    if values.shape[0] != steps.shape[0]:
        raise ValueError(
            f"values must have one row per step: {steps.shape[0]} steps, got {values.shape[0]}"
        )
    if (steps[1:] <= steps[:-1]).any():
        raise ValueError(f"steps must be increasing; got {steps.tolist()}")
    near = (values - target).abs().reshape(len(steps), -1).le(atol).all(1)
    # Scan from the end: the answer starts the last unbroken run of near checkpoints.
    first = None
    for i in range(len(steps) - 1, -1, -1):
        if not near[i]:
            break
        first = i
    return None if first is None else int(steps[first].item())


def gaussian_langevin_variance(step_size: float, variance: float = 1.0) -> float:
    """The stationary variance of unadjusted Langevin on N(μ, σ²), with σ² = variance.

    One step is x' = x + ε (μ - x)/σ² + √(2ε) z = (1 - a) x + a μ + √(2ε) z with a = ε/σ², so a
    variance v goes to (1 - a)² v + 2ε. Its fixed point is v = σ² / (1 - a/2) = σ² (1 + a/2 +
    O(a²)): N(μ, σ²) itself is kept only up to an O(ε) bias. For a >= 2 the chain diverges.
    """
    eps = validate.positive(step_size, "step_size")
    var = validate.positive(variance, "variance")
    a = eps / var
    if a >= 2:
        raise ValueError(
            f"step_size must be below 2 × variance = {2 * var:g} for the chain to settle; "
            f"got {eps:g}"
        )
    return var / (1 - a / 2)
