import os
import shutil
import sys
from pathlib import Path

import pytest
import torch


def pytest_collection_modifyitems(config, items):
    skip_gpu = pytest.mark.skip(reason="needs a CUDA device (set SCOREEDU_DEVICE=cuda on one)")
    for item in items:
        if "gpu" in item.keywords and not torch.cuda.is_available():
            item.add_marker(skip_gpu)


@pytest.fixture
def device():
    """The device the tests run on: SCOREEDU_DEVICE when set, else the CPU."""
    from scoreedu import get_device

    return get_device(os.environ.get("SCOREEDU_DEVICE") or "cpu")


@pytest.fixture
def one_thread():
    """One torch thread for tests of tiny tensors: on a busy 2-core machine two threads spend
    their time handing work back and forth (10x slower). Restores the setting afterwards."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def executable():
    """Find a command beside this Python (the venv) first, else on PATH; None if absent."""

    def find(name: str):
        exe = Path(sys.executable).with_name(name)
        return str(exe) if exe.exists() else shutil.which(name)

    return find
