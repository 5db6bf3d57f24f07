"""scoreedu: the helper package of a notebook series on score-based generative modelling.

Each module holds one idea of the series: `partition` (chapter 1), `distributions` and `score`
(chapter 2), `objectives` (chapters 3 and 5), `trace` and `nets` (chapter 4), `sampling`
(chapters 2 and 5), and the explorers in `widgets`.
"""

from scoreedu.device import get_device
from scoreedu.notebook import notebook_setup

__version__ = "0.1.0"
REPOSITORY = "https://github.com/scoreedu/scoreedu"

__all__ = ["get_device", "notebook_setup", "REPOSITORY", "__version__"]
