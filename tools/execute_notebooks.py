"""Execute notebooks top to bottom in a fresh kernel and save them with their outputs.

    python tools/execute_notebooks.py                      # every notebook of the series
    python tools/execute_notebooks.py notebooks/02_the_score.ipynb

The kernel is the Python running this script, so outputs come from the pinned environment. The
working directory is notebooks/, as in JupyterLab. Prints seconds and the kernel's peak memory.
"""

import sys
import threading
import time
from pathlib import Path

import nbformat
import psutil
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scoreedu.chapters import filenames  # noqa: E402


class PeakMemory:
    """Polls a process tree's resident memory in a thread; .peak_mb is the largest seen."""

    def __init__(self, interval: float = 0.05):
        self.interval, self.peak_mb, self.pid = interval, 0.0, None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            if self.pid is not None:
                try:
                    proc = psutil.Process(self.pid)
                    rss = proc.memory_info().rss + sum(
                        c.memory_info().rss for c in proc.children(recursive=True)
                    )
                    self.peak_mb = max(self.peak_mb, rss / 2**20)
                except psutil.Error:
                    pass
            time.sleep(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def execute(path: Path, save: bool = True, timeout: int = 600) -> tuple[float, float]:
    """Run the notebook at path in a fresh kernel; return (seconds, peak kernel memory in MB)."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    with PeakMemory() as memory:
        with client.setup_kernel():
            memory.pid = client.km.provisioner.process.pid
            for index, cell in enumerate(nb.cells):
                client.execute_cell(cell, index)
    seconds = time.perf_counter() - start
    if save:
        nbformat.write(nb, path)
    return seconds, memory.peak_mb


def main(argv) -> int:
    paths = [Path(a) for a in argv] or [ROOT / "notebooks" / n for n in filenames()]
    for path in paths:
        if not path.exists():
            print(f"{path.name}: missing, skipped")
            continue
        seconds, peak = execute(path)
        print(f"{path.name}: {seconds:.1f} s, peak kernel memory {peak:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
