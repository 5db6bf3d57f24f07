"""Sample quality for digits: a Fréchet distance in a classifier's feature space, and friends.

frechet_distance:  ‖μ₁ − μ₂‖² + tr(Σ₁ + Σ₂ − 2 (Σ₁^½ Σ₂ Σ₁^½)^½), the 2-Wasserstein distance
                   between the Gaussians with the two sets' means and covariances. In the
                   feature space of an image classifier this is FID (Heusel et al., 2017);
                   here the classifier is a small MLP trained on the 8×8 training digits.
DigitClassifier:   64 → 128 → F → 10 (SiLU); `features(x)` is the last hidden layer, (N, F).
train_classifier:  fits one on labelled digits with full-batch Adam, seeded: deterministic.
class_balance:     the share of samples the classifier gives each label, (10,).
nearest_distances: each row's Euclidean distance to its nearest row of a reference set.
quality:           all of them for one set of samples, as a dict of floats.
"""

import torch
from torch import nn

from scoreedu import validate


def _mean_cov(f: torch.Tensor):
    mean = f.mean(0)
    centred = f - mean
    return mean, centred.T @ centred / (f.shape[0] - 1)


def _sqrt_psd(m: torch.Tensor) -> torch.Tensor:
    values, vectors = torch.linalg.eigh((m + m.T) / 2)
    return (vectors * values.clamp(min=0).sqrt()) @ vectors.T


def gaussian_frechet(mean1, cov1, mean2, cov2) -> torch.Tensor:
    """‖μ₁ − μ₂‖² + tr(Σ₁ + Σ₂ − 2 (Σ₁^½ Σ₂ Σ₁^½)^½): the squared 2-Wasserstein distance.

    mean: (F,), cov: (F, F) symmetric positive semi-definite. Computed in float64 with
    eigendecompositions (the product's square root is that of a symmetric matrix, so no
    complex values appear). Returns a 0-dim float64 tensor.
    """
    mean1, mean2 = validate.tensor(mean1, "mean1"), validate.tensor(mean2, "mean2")
    cov1, cov2 = validate.tensor(cov1, "cov1"), validate.tensor(cov2, "cov2")
    if cov1.dim() != 2 or cov1.shape[0] != cov1.shape[1] or cov1.shape[0] == 0:
        raise ValueError(f"cov1 must be a square (F, F) matrix; got shape {tuple(cov1.shape)}")
    f = cov1.shape[0]
    for name, t, shape in (("mean1", mean1, (f,)), ("mean2", mean2, (f,)), ("cov2", cov2, (f, f))):
        if tuple(t.shape) != shape:
            raise ValueError(f"{name} must have shape {shape} like cov1; got {tuple(t.shape)}")
    for name, c in (("cov1", cov1), ("cov2", cov2)):
        scale = c.abs().max().item()
        if (c - c.T).abs().max().item() > 1e-8 * scale:
            raise ValueError(f"{name} must be symmetric (a covariance matrix)")
        if torch.linalg.eigvalsh(c).min().item() < -1e-8 * scale:
            raise ValueError(
                f"{name} must be positive semi-definite (a covariance matrix); "
                f"it has a negative eigenvalue"
            )
    root1 = _sqrt_psd(cov1)
    cross = torch.linalg.eigvalsh(root1 @ cov2 @ root1).clamp(min=0).sqrt().sum()
    return ((mean1 - mean2) ** 2).sum() + torch.trace(cov1) + torch.trace(cov2) - 2 * cross


def frechet_distance(f1: torch.Tensor, f2: torch.Tensor) -> torch.Tensor:
    """The Fréchet distance between two sets of features, each summarised by its mean and
    covariance: gaussian_frechet(mean(f1), cov(f1), mean(f2), cov(f2)).

    f1: (N1, F), f2: (N2, F), at least 2 rows each. Returns a 0-dim float64 tensor. Zero for
    two sets with equal means and covariances; it grows with either mismatch.
    """
    validate.batch(f1, "f1")
    validate.batch(f2, "f2", dim=f1.shape[1])
    if min(f1.shape[0], f2.shape[0]) < 2:
        raise ValueError("f1 and f2 need at least 2 rows each for a covariance")
    m1, c1 = _mean_cov(f1.double())
    m2, c2 = _mean_cov(f2.double().to(f1.device))
    return gaussian_frechet(m1, c1, m2, c2)


class DigitClassifier(nn.Module):
    """logits = W₃ φ(x) + b₃ with features φ(x) = SiLU(W₂ SiLU(W₁ x + b₁) + b₂).

    x: (N, dim) -> logits (N, n_classes); features(x): (N, n_features).
    """

    def __init__(self, dim: int = 64, hidden: int = 128, n_features: int = 32, n_classes=10):
        super().__init__()
        for value, name in ((dim, "dim"), (hidden, "hidden"), (n_features, "n_features")):
            validate.count(value, name)
        validate.count(n_classes, "n_classes", minimum=2)
        self.dim = dim
        self.body = nn.Sequential(
            nn.Linear(dim, hidden), nn.SiLU(), nn.Linear(hidden, n_features), nn.SiLU()
        )
        self.head = nn.Linear(n_features, n_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        validate.batch(x, dim=self.dim)
        return self.body(x.to(self.head.weight))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


def train_classifier(
    x: torch.Tensor, y: torch.Tensor, steps: int = 200, lr: float = 1e-2, seed: int = 0
) -> DigitClassifier:
    """A DigitClassifier fitted to (x (N, D), y (N,) int labels) by full-batch Adam on the
    cross-entropy (a small weight decay keeps its features tame). Seeded: the same on every call
    on one machine. Returns it in eval mode, on x's device, with gradients off.
    """
    validate.batch(x)
    if not isinstance(y, torch.Tensor) or y.dtype != torch.int64 or tuple(y.shape) != (len(x),):
        raise ValueError(f"y must be an int64 tensor of shape ({len(x)},) of labels")
    if y.min().item() < 0:
        raise ValueError(f"y must hold labels >= 0; got {y.min().item()}")
    if y.max().item() < 1:
        raise ValueError("y must hold at least two classes (labels 0 and 1 or more)")
    validate.count(steps, "steps")
    validate.count(seed, "seed", minimum=0)
    lr = validate.positive(lr, "lr")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = DigitClassifier(x.shape[1], n_classes=int(y.max()) + 1).to(x)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=1e-4)
    for _ in range(steps):
        loss = nn.functional.cross_entropy(model(x), y.to(x.device))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return model.eval().requires_grad_(False)


def _check_classifier(classifier) -> None:
    if not isinstance(classifier, DigitClassifier):
        name = type(classifier).__name__
        raise TypeError(f"classifier must be a DigitClassifier (train_classifier); got {name}")


def class_balance(classifier: DigitClassifier, x: torch.Tensor) -> torch.Tensor:
    """The share of the rows of x (N, D) that the classifier labels 0, 1, ...: (n_classes,)."""
    _check_classifier(classifier)
    validate.batch(x)
    with torch.no_grad():
        logits = classifier(x)
    counts = torch.bincount(logits.argmax(1), minlength=logits.shape[1])
    return counts.to(torch.float64) / x.shape[0]


def mean_confidence(classifier: DigitClassifier, x: torch.Tensor) -> float:
    """The classifier's mean top probability over the rows of x (N, D): near 1 for clear digits,
    lower for ambiguous or malformed ones."""
    _check_classifier(classifier)
    validate.batch(x)
    with torch.no_grad():
        return classifier(x).softmax(1).max(1).values.mean().item()


def nearest_distances(x: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """min_j ‖x_i − reference_j‖ for each row x_i: (N,). x: (N, D), reference: (M, D).

    A copy of a reference row is at distance 0; a model that draws new data keeps its samples
    as far from the training set as held-out data are.
    """
    validate.batch(x)
    validate.batch(reference, "reference", dim=x.shape[1])
    return torch.cdist(x.double(), reference.double().to(x.device)).min(1).values


def quality(
    classifier: DigitClassifier, x: torch.Tensor, test: torch.Tensor, train: torch.Tensor
) -> dict:
    """Every number the chapter reads for samples x (N, D), as a dict of floats:
    "frechet" (to the test set's features), "min_share"/"max_share" (the rarest and commonest
    label's share), "confidence", and "nearest" (the median distance to the training set).
    """
    _check_classifier(classifier)
    for name, t in (("x", x), ("test", test), ("train", train)):
        validate.batch(t, name, dim=x.shape[1] if name != "x" else None)
        if t.shape[0] < 2:
            raise ValueError(f"{name} needs at least 2 rows; got {t.shape[0]}")
    with torch.no_grad():
        fd = frechet_distance(classifier.features(x), classifier.features(test))
    balance = class_balance(classifier, x)
    return {
        "frechet": fd.item(),
        "min_share": balance.min().item(),
        "max_share": balance.max().item(),
        "confidence": mean_confidence(classifier, x),
        "nearest": nearest_distances(x, train).median().item(),
    }
