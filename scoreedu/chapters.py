"""The series' table of contents: one place for the order, the files and the one-line summaries.

Navigation links, the README's chapter map, the tests and the notebook benchmark all read it.
"""

CHAPTERS = [
    (
        "00_start_here.ipynb",
        "Start here",
        "what the series teaches, for whom, how to run it; a first score field",
    ),
    (
        "01_energy_based_models.ipynb",
        "Energy-based models",
        "p(x) = exp(-f(x)) / Z, and why Z is intractable: grid cost grows as n^D",
    ),
    (
        "02_the_score.ipynb",
        "The score",
        "∇x log p(x) drops Z; score fields drawn live; Langevin dynamics follows them",
    ),
    (
        "03_score_matching.ipynb",
        "Score matching",
        "Hyvärinen's lemma: the explicit objective becomes E[½‖s‖² + tr ∇s] + C",
    ),
    (
        "04_trace_cost.ipynb",
        "The price of the trace",
        "D backward passes, measured; Hutchinson and the structured exact trace",
    ),
    (
        "05_beyond_the_trace.ipynb",
        "Beyond the trace",
        "sliced and denoising score matching, annealed Langevin, and the history",
    ),
    (
        "06_digits.ipynb",
        "Real data",
        "8×8 digits on a CPU: a denoiser as score model, four samplers, quality measured",
    ),
]

EXTRAS = [
    ("playground.ipynb", "Playground", "every explorer, no code: served by Voilà for teaching"),
]


def filenames(include_extras: bool = True) -> list[str]:
    entries = CHAPTERS + (EXTRAS if include_extras else [])
    return [name for name, _, _ in entries]
