"""The Vietnam-China study: the article's numbers (``facts.yaml``) and claims (``study.yaml``).

Run it with ``econscope economies study vietnam-china --out DIR`` or
:func:`econscope.economies.study.run_study` (``run_study("vietnam-china", out)``).
"""

from pathlib import Path

#: The folder holding ``facts.yaml`` and ``study.yaml``.
STUDY_DIR = Path(__file__).resolve().parent
FACTS_FILE = STUDY_DIR / "facts.yaml"
STUDY_FILE = STUDY_DIR / "study.yaml"

__all__ = ["FACTS_FILE", "STUDY_DIR", "STUDY_FILE"]
