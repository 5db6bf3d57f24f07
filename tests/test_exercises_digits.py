"""Chapter 6's checkers accept the right answers and name the usual slips."""

import pytest
import torch

from scoreedu.exercises import digits as ex


def test_network_calls():
    assert ex.network_calls(denoise=False) == 77 and ex.check_network_calls(77).correct
    assert ex.network_calls() == 78  # with Tweedie: 2(L − 1), also Heun everywhere without it
    assert "Euler" in ex.check_network_calls(78).message  # so the question leaves Tweedie out
    assert "Heun" in ex.check_network_calls(39).message
    assert not ex.check_network_calls(80).correct
    assert ex.network_calls(30) == 58  # the chapter's sampler, as its text says
    assert not ex.check_network_calls(None).attempted


def test_network_calls_is_a_count_so_only_the_exact_number_is_right():
    assert ex.check_network_calls(77.0).correct
    assert not ex.check_network_calls(77.04).correct
    assert "whole number" in ex.check_network_calls(77.04).message
    assert not ex.check_network_calls(76.99).correct


def test_model_sigma():
    assert ex.check_model_sigma(0.3).correct
    assert "doubles" in ex.check_model_sigma(0.15).message
    assert "variance" in ex.check_model_sigma(0.09).message


def test_tweedie_checker_accepts_the_formula_and_names_slips():
    assert ex.check_tweedie(lambda score, x, s: x + s**2 * score(x, s)).correct
    assert "σ²" in ex.check_tweedie(lambda score, x, s: x + s * score(x, s)).message
    assert "sign" in ex.check_tweedie(lambda score, x, s: x - s**2 * score(x, s)).message
    assert "add it" in ex.check_tweedie(lambda score, x, s: s**2 * score(x, s)).message
    assert "raised" in ex.check_tweedie(lambda score, x, s: 1 / 0).message
    assert not ex.check_tweedie(lambda score, x, s: torch.zeros(2)).correct
    assert not ex.check_tweedie(None).attempted


def test_tweedie_cases_avoid_sigma_one_where_the_sigma_s_slip_would_pass():
    sigmas = [args[2] for args, _ in ex._tweedie_cases()]
    assert all(abs(sigma - 1.0) > 0.1 for sigma in sigmas)


def test_network_calls_needs_two_levels():
    with pytest.raises(ValueError, match="levels"):
        ex.network_calls(1)
    with pytest.raises(TypeError, match="levels"):
        ex.network_calls(30.0)
