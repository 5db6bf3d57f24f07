"""One helper picks the device every notebook, test and benchmark runs on."""

import os

import torch

ENV_VAR = "SCOREEDU_DEVICE"


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def _auto() -> torch.device:
    if torch.cuda.is_available():
        return torch.device("cuda")
    if _mps_available():
        return torch.device("mps")
    return torch.device("cpu")


def get_device(device="auto") -> torch.device:
    """The torch.device to compute on.

    "auto" (or None) picks CUDA when available, then Apple MPS, else the CPU; the environment
    variable SCOREEDU_DEVICE, when set, replaces "auto". Accepts "cpu", "cuda", "cuda:1", "mps"
    and torch.device. Asking for a device that is absent raises ValueError saying so.

    Example: get_device("cpu") -> device(type='cpu')
    """
    if device is None or (isinstance(device, str) and device == "auto"):
        device = os.environ.get(ENV_VAR, "").strip() or "auto"
        if device == "auto":
            return _auto()
    if not isinstance(device, (str, torch.device)):
        raise TypeError(
            f"device must be 'auto', 'cpu', 'cuda', 'cuda:N', 'mps' or a torch.device; "
            f"got {device!r} of type {type(device).__name__}"
        )
    try:
        dev = torch.device(device)
    except (RuntimeError, ValueError) as err:
        raise ValueError(
            f"device must be 'auto', 'cpu', 'cuda', 'cuda:N', 'mps' or a torch.device; "
            f"got {device!r}"
        ) from err
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device {device!r} asks for CUDA, but no CUDA device is available")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise ValueError(
                f"device {device!r} asks for CUDA device {dev.index}, but only "
                f"{torch.cuda.device_count()} are available"
            )
    elif dev.type == "mps":
        if not _mps_available():
            raise ValueError(f"device {device!r} asks for Apple MPS, which is not available")
    elif dev.type != "cpu":
        raise ValueError(f"device must be a CPU, CUDA or MPS device; got {device!r}")
    return dev
