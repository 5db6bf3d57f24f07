"""The interactive explorers, one per chapter. Each follows the contract in base.Explorer:
ex.controls (name -> control), ex.state (name -> array), ex.widget; display(ex) shows it.

EXPLORERS maps each factory's name to the factory; the contract tests, the redraw benchmark
and the playground iterate over it.
"""

from scoreedu.widgets.base import Explorer

EXPLORERS: dict = {}
# Each chapter registers its explorer below (one import and one entry each).
# --- registrations ---
from scoreedu.widgets.score_field import score_field_explorer  # noqa: E402

EXPLORERS["score_field_explorer"] = score_field_explorer
from scoreedu.widgets.sampler import sampler_explorer  # noqa: E402

EXPLORERS["sampler_explorer"] = sampler_explorer
from scoreedu.widgets.energy import energy_explorer  # noqa: E402

EXPLORERS["energy_explorer"] = energy_explorer
from scoreedu.widgets.objective_gap import objective_gap_explorer  # noqa: E402

EXPLORERS["objective_gap_explorer"] = objective_gap_explorer

__all__ = ["Explorer", "EXPLORERS", *EXPLORERS]
from scoreedu.widgets.digits import digit_denoising_explorer  # noqa: E402

EXPLORERS["digit_denoising_explorer"] = digit_denoising_explorer
