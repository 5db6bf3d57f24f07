"""Score networks: an MLP with an exact, cheap Jacobian trace, and a noise-conditional variant.

ScoreMLP(dim, hidden, depth) computes, with a_0 = x and h_l = W_l a_{l-1} + b_l,
a_l = φ(h_l) for l = 1..L (L = depth, φ the activation), and s(x) = W_{L+1} a_L + b_{L+1}.
Its Jacobian is ∇x s = W_{L+1} Λ_L W_L ... W_2 Λ_1 W_1 with Λ_l = diag(φ'(h_l)), and the cyclic
property of the trace moves W_1 from the end to the front:
    tr ∇x s = tr( (W_1 W_{L+1}) Λ_L W_L ... W_2 Λ_1 ),
a product of H × H matrices in which D enters only through M = W_1 W_{L+1} (H × H), computed
once per call. For depth 2 it reads tr ∇x s = φ'(h_1)ᵀ [M ∘ W_2ᵀ] φ'(h_2): the cost of
one more layer of the forward pass, instead of D backward passes.
"""

import torch
from torch import nn

from scoreedu import validate
from scoreedu.device import get_device


def _softplus_grad(h):
    # torch's softplus returns h itself above its threshold (20): match the function computed.
    return torch.where(h > 20, torch.ones_like(h), torch.sigmoid(h))


def _tanh_grad(h):
    return 1 - torch.tanh(h) ** 2


def _silu_grad(h):
    s = torch.sigmoid(h)
    return s * (1 + h * (1 - s))


# Smooth activations only: implicit score matching differentiates the network twice.
ACTIVATIONS = {
    "softplus": (nn.functional.softplus, _softplus_grad),
    "tanh": (torch.tanh, _tanh_grad),
    "silu": (nn.functional.silu, _silu_grad),
}


class ScoreMLP(nn.Module):
    """s_θ: R^D -> R^D, an MLP with `depth` hidden layers of width `hidden`.

    x: (N, dim) -> (N, dim). jacobian_trace(x) -> (N,) is exact (see the module docstring).

    Example: ScoreMLP(2)(torch.zeros(5, 2)).shape == (5, 2)
    """

    def __init__(
        self,
        dim: int,
        hidden: int = 128,
        depth: int = 2,
        activation: str = "softplus",
        device=None,
        dtype=torch.float32,
    ):
        super().__init__()
        validate.count(dim, "dim")
        validate.count(hidden, "hidden")
        validate.count(depth, "depth")
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {tuple(ACTIVATIONS)}; got {activation!r}")
        validate.float_dtype(dtype)
        self.dim, self.hidden, self.depth = dim, hidden, depth
        self.activation = activation
        widths = [dim] + [hidden] * depth + [dim]
        device = get_device("cpu" if device is None else device)
        self.layers = nn.ModuleList(
            nn.Linear(a, b, device=device, dtype=dtype) for a, b in zip(widths, widths[1:])
        )

    def _check(self, x):
        check_input(x, self.dim, self.layers[0].weight)

    def _pre_activations(self, x):
        act, _ = ACTIVATIONS[self.activation]
        hs, a = [], x
        for layer in self.layers[:-1]:
            h = layer(a)
            hs.append(h)
            a = act(h)
        return hs, a

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self._check(x)
        _, a = self._pre_activations(x)
        return self.layers[-1](a)

    def jacobian_trace(self, x: torch.Tensor) -> torch.Tensor:
        """tr ∇x s(x) per row, exactly, by the cyclic property. x: (N, D) -> (N,)."""
        self._check(x)
        _, grad = ACTIVATIONS[self.activation]
        hs, _ = self._pre_activations(x)
        d = [grad(h) for h in hs]  # φ'(h_l): (N, H) each, the diagonals of Λ_l
        weights = [layer.weight for layer in self.layers]  # W_l: (out, in)
        p = weights[0] @ weights[-1]  # M = W_1 W_{L+1}: (H, H), the only place D enters
        if self.depth == 1:
            return d[0] @ torch.diagonal(p)  # tr(M Λ_1) = Σ_i M_ii φ'(h_1)_i
        if self.depth == 2:
            # φ'(h_1)ᵀ [M ∘ W_2ᵀ] φ'(h_2): one (N, H) × (H, H) product, like one more layer.
            return ((d[0] @ (p * weights[1].T)) * d[1]).sum(1)
        # m = W_L Λ_{L-1} ... W_2 Λ_1 as a batch of (N, H, H) matrices, built from the right end.
        # Cost N·H³ per extra layer: a cycle of three or more diagonals does not collapse.
        m = weights[1][None] * d[0][:, None, :]  # W_2 Λ_1
        for w, dl in zip(weights[2:-1], d[1:-1]):
            m = w @ (dl[:, :, None] * m)  # W_l Λ_{l-1} (...)
        # tr(M Λ_L m) = Σ_j φ'(h_L)_j Σ_i M_ij m_ji
        return ((m * p.T).sum(2) * d[-1]).sum(1)


class NoiseConditionalScoreMLP(nn.Module):
    """s_θ(x, σ): one network for every noise level, the idea of Song & Ermon (2019).

    An MLP on [x, log σ] whose output is divided by σ, so its scale follows the true score of
    the noised data, which grows like 1/σ. Dividing the output by σ comes from Song & Ermon
    (2020, NCSNv2), not the 2019 paper (which conditioned on σ by normalisation layers); the
    log σ input is this package's choice. x: (N, D); sigma: a float or (N,). Returns (N, D).
    """

    def __init__(
        self, dim: int, hidden: int = 128, depth: int = 2, device=None, dtype=torch.float32
    ):
        super().__init__()
        validate.count(dim, "dim")
        self.dim = dim
        self.net = silu_mlp(dim + 1, hidden, depth, dim, device, dtype)

    def forward(self, x: torch.Tensor, sigma) -> torch.Tensor:
        check_input(x, self.dim, self.net[0].weight)
        sigma = noise_levels(sigma, x)
        inp = torch.cat([x, torch.log(sigma)[:, None]], dim=1)
        return self.net(inp) / sigma[:, None]


def silu_mlp(n_in: int, hidden: int, depth: int, n_out: int, device=None, dtype=torch.float32):
    """An MLP n_in -> hidden (× depth, SiLU after each) -> n_out, for the noise-conditional
    networks (which are never differentiated twice, so any smooth activation will do)."""
    validate.count(hidden, "hidden")
    validate.count(depth, "depth")
    validate.float_dtype(dtype)
    device = get_device("cpu" if device is None else device)
    widths = [n_in] + [hidden] * depth
    layers = []
    for a, b in zip(widths, widths[1:]):
        layers += [nn.Linear(a, b, device=device, dtype=dtype), nn.SiLU()]
    layers.append(nn.Linear(hidden, n_out, device=device, dtype=dtype))
    return nn.Sequential(*layers)


def check_input(x: torch.Tensor, dim: int, weight: torch.Tensor) -> None:
    """x must be (N, dim), of the dtype and on the device of the network's first weight."""
    validate.batch(x, dim=dim, finite=False)
    if x.dtype != weight.dtype or x.device != weight.device:
        raise ValueError(
            f"x is {x.dtype} on {x.device} but the network is {weight.dtype} "
            f"on {weight.device}: move one of them (x.to(...) or net.to(...))"
        )


def noise_levels(sigma, x: torch.Tensor) -> torch.Tensor:
    """A noise level per row of x: sigma a number > 0 or an (N,) tensor of them -> (N,), in x's
    dtype and on its device."""
    try:
        sigma = torch.as_tensor(sigma, dtype=x.dtype, device=x.device)
    except (TypeError, ValueError, RuntimeError) as err:
        raise TypeError(f"sigma must be a number > 0 or an (N,) tensor; got {sigma!r}") from err
    if sigma.dim() == 0:
        sigma = sigma.expand(x.shape[0])
    if tuple(sigma.shape) != (x.shape[0],) or not ((sigma > 0) & torch.isfinite(sigma)).all():
        raise ValueError(
            f"sigma must be a positive number or shape ({x.shape[0]},) of finite positive "
            f"numbers; got shape {tuple(sigma.shape)}"
        )
    return sigma
