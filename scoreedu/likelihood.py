"""Maximum likelihood for an energy-based model, with Z by quadrature (so: low dimensions only).

The average negative log-likelihood of data x_1..x_N under p_θ(x) = exp(-f_θ(x)) / Z_θ is

    L(θ) = E_data[f_θ(x)] + log Z_θ,

and since ∇θ log Z_θ = ∫ exp(-f_θ(x)) (-∇θ f_θ(x)) dx / Z_θ = -E_{p_θ}[∇θ f_θ(x)], its gradient is

    ∇θ L(θ) = E_data[∇θ f_θ(x)] - E_{p_θ}[∇θ f_θ(x)].

The first term lowers the energy where the data are, the second raises it where the model puts
mass. The second is an expectation under the model itself: here quadrature weights give it
exactly, in high dimensions it needs samples from p_θ (MCMC), which is what makes EBMs hard.
"""

import torch

from scoreedu import validate
from scoreedu.partition import log_partition_grid, quadrature_grid


def _parameters(energy):
    if not callable(getattr(energy, "named_parameters", None)):
        raise TypeError(
            f"energy must be a torch.nn.Module with parameters; got {type(energy).__name__}"
        )
    params = [(name, p) for name, p in energy.named_parameters() if p.requires_grad]
    if not params:
        raise ValueError("energy has no trainable parameters")
    return params


def negative_log_likelihood(
    energy, data: torch.Tensor, bounds, n_per_dim: int, rule: str = "trapezoid"
) -> torch.Tensor:
    """L(θ) = mean_i f_θ(x_i) + log Z_θ, log Z by log_partition_grid: 0-dim float64.

    data: (N, D). Differentiable in θ, so loss.backward() gives ∇θ L by autograd.
    """
    validate.callable_(energy, "energy")
    validate.batch(data, "data")
    values = validate.per_row(energy(data), data, "energy")
    log_z = log_partition_grid(energy, bounds, n_per_dim, rule=rule, dtype=data.dtype)
    return values.to(torch.float64).mean() + log_z


def nll_gradient(
    energy, data: torch.Tensor, bounds, n_per_dim: int, rule: str = "trapezoid"
) -> dict[str, torch.Tensor]:
    """∇θ L = E_data[∇θ f_θ] - E_{p_θ}[∇θ f_θ], term by term: name -> gradient (float64).

    The model expectation uses the grid: E_p[g] ≈ Σ_i p_i g(x_i) with p_i = w_i exp(-f(x_i)) / Z,
    the normalised quadrature weights. Each expectation is the gradient of a weighted sum of f
    with the weights held fixed, which is how autograd is asked for it here.
    """
    validate.callable_(energy, "energy")
    validate.batch(data, "data")
    names, params = zip(*_parameters(energy))
    data_values = validate.per_row(energy(data), data, "energy")
    data_term = torch.autograd.grad(data_values.mean(), params, allow_unused=True)
    with torch.no_grad():
        log_z = log_partition_grid(energy, bounds, n_per_dim, rule=rule, dtype=data.dtype)
    model_term = [torch.zeros_like(p, dtype=torch.float64) for p in params]
    for points, log_w in quadrature_grid(bounds, n_per_dim, rule, data.dtype, data.device):
        values = energy(points)
        p = torch.exp(log_w - values.detach().to(torch.float64) - log_z)  # sums to 1 over grid
        grads = torch.autograd.grad((p.to(values) * values).sum(), params, allow_unused=True)
        model_term = [
            m + (0 if g is None else g.to(torch.float64)) for m, g in zip(model_term, grads)
        ]
    return {
        name: (0 if d is None else d.to(torch.float64)) - m
        for name, d, m in zip(names, data_term, model_term)
    }


def _loss_value(loss) -> float:
    value = loss()
    if isinstance(value, torch.Tensor):
        value = validate.scalar_loss(value, "loss")
    return validate.real(value, "loss()")


def finite_difference_gradient(loss, energy, eps: float = 1e-5) -> dict[str, torch.Tensor]:
    """Central differences (loss(θ + ε e_j) - loss(θ - ε e_j)) / 2ε for every parameter entry.

    loss: a function of no arguments returning a 0-dim tensor that depends on energy's
    parameters. Costs 2 evaluations of loss per parameter entry: a check, not a method.
    """
    validate.callable_(loss, "loss")
    eps = validate.positive(eps, "eps")
    result = {}
    with torch.no_grad():
        for name, p in _parameters(energy):
            grad = torch.zeros_like(p, dtype=torch.float64)
            flat, out = p.view(-1), grad.view(-1)
            for j in range(flat.numel()):
                original = flat[j].item()
                flat[j] = original + eps
                up = _loss_value(loss)
                flat[j] = original - eps
                down = _loss_value(loss)
                flat[j] = original
                out[j] = (up - down) / (2 * eps)
            result[name] = grad
    return result
