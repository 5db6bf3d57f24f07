import pytest
import torch

from scoreedu import get_device


def test_auto_picks_an_available_device(monkeypatch):
    monkeypatch.delenv("SCOREEDU_DEVICE", raising=False)
    dev = get_device()
    expected = "cuda" if torch.cuda.is_available() else None
    assert isinstance(dev, torch.device)
    if expected:
        assert dev.type == expected
    assert get_device(None) == dev


def test_cpu_and_torch_device_are_accepted():
    assert get_device("cpu") == torch.device("cpu")
    assert get_device(torch.device("cpu")) == torch.device("cpu")


def test_environment_variable_overrides_auto(monkeypatch):
    monkeypatch.setenv("SCOREEDU_DEVICE", "cpu")
    assert get_device("auto") == torch.device("cpu")
    assert get_device() == torch.device("cpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_absent_cuda_is_refused_clearly(monkeypatch):
    with pytest.raises(ValueError, match="no CUDA device is available"):
        get_device("cuda")
    with pytest.raises(ValueError, match="CUDA"):
        get_device("cuda:1")
    monkeypatch.setenv("SCOREEDU_DEVICE", "cuda")
    with pytest.raises(ValueError, match="CUDA"):
        get_device()


@pytest.mark.parametrize("bad", ["gpu0", "tpu", "", "cuda:x"])
def test_nonsense_strings_raise_value_error(bad):
    with pytest.raises(ValueError, match="device"):
        get_device(bad)


@pytest.mark.parametrize("bad", [3.5, 0, ["cpu"]])
def test_nonsense_types_raise_type_error(bad):
    with pytest.raises(TypeError, match="device"):
        get_device(bad)


@pytest.mark.gpu
def test_cuda_is_picked_when_present():
    assert get_device("cuda").type == "cuda"
    assert get_device("auto").type == "cuda"
