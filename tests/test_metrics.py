"""The Fréchet distance against closed forms on Gaussians; the digit classifier and friends."""

import pytest
import scipy.linalg
import torch

from scoreedu.metrics import (
    DigitClassifier,
    class_balance,
    frechet_distance,
    gaussian_frechet,
    mean_confidence,
    nearest_distances,
    quality,
    train_classifier,
)


def random_spd(f, seed):
    g = torch.Generator().manual_seed(seed)
    a = torch.randn(f, f, generator=g, dtype=torch.float64)
    return a @ a.T / f + 0.1 * torch.eye(f, dtype=torch.float64)


def test_gaussian_frechet_matches_scipy_sqrtm():
    c1, c2 = random_spd(6, 0), random_spd(6, 1)
    m1, m2 = torch.zeros(6, dtype=torch.float64), torch.ones(6, dtype=torch.float64)
    root = scipy.linalg.sqrtm(c1.numpy() @ c2.numpy()).real  # the textbook (non-symmetric) form
    expected = 6.0 + torch.trace(c1 + c2).item() - 2 * float(root.trace())
    assert gaussian_frechet(m1, c1, m2, c2).item() == pytest.approx(expected, rel=1e-9)


def test_gaussian_frechet_of_diagonal_covariances_is_the_sum_of_squared_root_gaps():
    a, b = torch.tensor([1.0, 4.0, 9.0]), torch.tensor([4.0, 4.0, 1.0])
    got = gaussian_frechet(torch.zeros(3), torch.diag(a), torch.zeros(3), torch.diag(b))
    assert got.item() == pytest.approx(((a.sqrt() - b.sqrt()) ** 2).sum().item())
    # The rival "compare means only" would give 0 here; the distance sees the covariances.
    assert got.item() > 1


def test_frechet_distance_of_samples_tends_to_the_closed_form():
    g = torch.Generator().manual_seed(2)
    c1, c2 = random_spd(4, 3), random_spd(4, 4)
    m2 = torch.tensor([0.5, 0.0, -0.5, 1.0], dtype=torch.float64)
    x1 = torch.randn(200_000, 4, generator=g, dtype=torch.float64) @ torch.linalg.cholesky(c1).T
    x2 = (
        m2 + torch.randn(200_000, 4, generator=g, dtype=torch.float64) @ torch.linalg.cholesky(c2).T
    )
    exact = gaussian_frechet(torch.zeros(4, dtype=torch.float64), c1, m2, c2).item()
    assert frechet_distance(x1, x2).item() == pytest.approx(exact, rel=0.02)
    assert frechet_distance(x1, x1).item() == pytest.approx(0.0, abs=1e-8)


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: frechet_distance(torch.zeros(5, 3), torch.zeros(5, 2)), ValueError, "f2"),
        (lambda: frechet_distance(torch.zeros(1, 3), torch.zeros(5, 3)), ValueError, "2 rows"),
        (lambda: frechet_distance([1.0], torch.zeros(5, 3)), TypeError, "f1"),
        (lambda: gaussian_frechet(torch.zeros(2), torch.eye(3), torch.zeros(2), torch.eye(2)),
         ValueError, "cov1"),
        (lambda: nearest_distances(torch.zeros(2, 3), torch.zeros(2, 4)), ValueError, "reference"),
        (lambda: train_classifier(torch.zeros(4, 3), torch.zeros(4)), ValueError, "y"),
        (lambda: gaussian_frechet(torch.zeros(2, 1), torch.eye(2), torch.zeros(2), torch.eye(2)),
         ValueError, "mean1"),
        (lambda: gaussian_frechet(torch.zeros(2), torch.eye(2), torch.zeros(2),
                                  torch.tensor([[1.0, 0.5], [0.0, 1.0]])), ValueError, "cov2"),
        (lambda: gaussian_frechet(torch.zeros(2), -torch.eye(2), torch.zeros(2), torch.eye(2)),
         ValueError, "cov1 must be positive semi-definite"),
        (lambda: train_classifier(torch.zeros(4, 3), torch.tensor([0, 1, -1, 0])), ValueError,
         "labels >= 0"),
        (lambda: train_classifier(torch.zeros(2, 3), torch.tensor([0, 1]), seed=-1), ValueError,
         "seed"),
        (lambda: quality(DigitClassifier(3), torch.zeros(1, 3), torch.zeros(4, 3),
                         torch.zeros(4, 3)), ValueError, "x needs at least 2 rows"),
        (lambda: quality(DigitClassifier(3), torch.zeros(4, 3), torch.zeros(4, 2),
                         torch.zeros(4, 3)), ValueError, "test"),
        (lambda: quality(DigitClassifier(3), torch.zeros(4, 3), torch.zeros(4, 3),
                         [[0.0, 0.0, 0.0]]), TypeError, "train"),
        (lambda: train_classifier(torch.zeros(3, 3), torch.tensor([0, 0, 0])), ValueError,
         "at least two classes"),
        (lambda: class_balance("net", torch.zeros(4, 3)), TypeError, "classifier"),
        (lambda: mean_confidence(None, torch.zeros(4, 3)), TypeError, "classifier"),
        (lambda: quality(3, torch.zeros(4, 3), torch.zeros(4, 3), torch.zeros(4, 3)), TypeError,
         "classifier"),
    ],
)  # fmt: skip
def test_metrics_name_bad_input(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_nearest_distances_is_zero_for_copies_and_exact_otherwise():
    ref = torch.tensor([[0.0, 0.0], [3.0, 4.0]])
    x = torch.tensor([[3.0, 4.0], [0.0, 1.0], [6.0, 8.0]])
    assert nearest_distances(x, ref).tolist() == pytest.approx([0.0, 1.0, 5.0])


@pytest.fixture(scope="module")
def digits_and_classifier():
    from scoreedu.digits import load_digits

    x, y = load_digits("train", return_labels=True)
    test, test_y = load_digits("test", return_labels=True)
    return train_classifier(x, y), x, test, test_y


def test_classifier_reads_held_out_digits(digits_and_classifier, one_thread):
    classifier, _, test, test_y = digits_and_classifier
    accuracy = (classifier(test).argmax(1) == test_y).double().mean().item()
    assert accuracy > 0.95
    balance = class_balance(classifier, test)
    assert balance.sum().item() == pytest.approx(1.0) and balance.min().item() > 0.07
    assert 0.9 < mean_confidence(classifier, test) <= 1.0


def test_classifier_is_deterministic(one_thread):
    from scoreedu.digits import load_digits

    x, y = load_digits("train", return_labels=True)
    first, again = train_classifier(x, y, steps=20), train_classifier(x, y, steps=20)
    assert torch.equal(again.features(x[:5]), first.features(x[:5]))


def test_frechet_in_classifier_features_ranks_noise_below_digits(digits_and_classifier):
    # A distance that could not tell digits from noise would be useless as a quality score.
    classifier, x, test, _ = digits_and_classifier
    noise = torch.rand(449, 64, generator=torch.Generator().manual_seed(0))
    real = frechet_distance(classifier.features(x[:449]), classifier.features(test))
    fake = frechet_distance(classifier.features(noise), classifier.features(test))
    assert 10 * real < fake
