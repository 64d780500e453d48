"""Write the unbalanced stations design of ``test_gtheory_nested.py`` for R.

Run from the repository root (with the package importable):
    python tests/reliability/lme4_nested/make_stations_data.py
then, in this folder, ``Rscript nested_reference.R > nested_output.txt``.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from reliability_helpers import simulate_stations  # noqa: E402

if __name__ == "__main__":
    simulate_stations().to_csv(HERE / "stations.csv", index=False)
