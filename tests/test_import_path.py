"""`import interviewlab` stays light: heavy libraries load only when a function uses them.

pingouin and librosa (seconds each), statsmodels, matplotlib and scipy.signal are imported
inside the functions that need them (issue 16); scipy.stats is not deferred: most
statistics use it.
"""

import subprocess
import sys

HEAVY = ("pingouin", "librosa", "statsmodels", "matplotlib", "scipy.signal")


def test_import_does_not_load_heavy_libraries() -> None:
    # a fresh interpreter: this test session has imported them through other tests
    code = f"import sys, interviewlab\nprint(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    )
    assert out.stdout.strip() == ""
