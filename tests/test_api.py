"""The public names and positional parameters of ../shared/API.md, which notebooks, tests and
tools outside this repository call: renaming or reordering any of them breaks those callers."""

import importlib
import inspect

import pytest

API = [
    ("scoreedu", "get_device", ["device"], {"device": "auto"}),
    ("scoreedu.partition", "log_partition_grid", ["energy", "bounds", "n_per_dim"], {}),
    ("scoreedu.distributions", "Gaussian", ["mean", "cov"], {}),
    ("scoreedu.distributions", "GaussianMixture", ["means", "stds", "weights"], {}),
    ("scoreedu.score", "autograd_score", ["log_density", "x"], {}),
    ("scoreedu.objectives", "explicit_score_matching", ["score_model", "x", "true_score"], {}),
    ("scoreedu.objectives", "implicit_score_matching", ["score_model", "x", "trace_method"],
     {"trace_method": "auto"}),
    ("scoreedu.objectives", "sliced_score_matching",
     ["score_model", "x", "n_projections", "generator"], {"n_projections": 1, "generator": None}),
    ("scoreedu.objectives", "denoising_score_matching",
     ["score_model", "x", "sigma", "generator"], {"generator": None}),
    ("scoreedu.trace", "jacobian_trace", ["f", "x", "method", "n_probes", "generator"],
     {"method": "auto", "n_probes": 1, "generator": None}),
    ("scoreedu.nets", "ScoreMLP", ["dim", "hidden", "depth"], {"hidden": 128, "depth": 2}),
    ("scoreedu.sampling", "langevin", ["score", "x0", "step_size", "n_steps", "generator"],
     {"generator": None}),
    ("scoreedu.sampling", "annealed_langevin",
     ["score", "x0", "sigmas", "step_size", "n_steps_each", "generator"], {"generator": None}),
    ("scoreedu.widgets", "energy_explorer", [], {}),
    ("scoreedu.widgets", "score_field_explorer", [], {}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("module", "name", "positional", "defaults"), API, ids=[f"{m}.{n}" for m, n, _, _ in API]
)
def test_public_name_and_parameters(module, name, positional, defaults):
    obj = getattr(importlib.import_module(module), name)
    params = inspect.signature(obj).parameters
    assert list(params)[: len(positional)] == positional
    for key, value in defaults.items():
        assert params[key].default == value, f"{name}({key}=...) default changed"


@pytest.mark.parametrize("method", ["log_prob", "score", "sample"])
@pytest.mark.parametrize("cls", ["Gaussian", "GaussianMixture"])
def test_distributions_have_the_three_methods(cls, method):
    obj = getattr(importlib.import_module("scoreedu.distributions"), cls)
    assert callable(getattr(obj, method))
    if method == "sample":
        assert list(inspect.signature(getattr(obj, method)).parameters)[1:3] == ["n", "generator"]


def test_score_mlp_offers_the_structured_trace():
    from scoreedu.nets import ScoreMLP

    assert callable(ScoreMLP(2).jacobian_trace)
