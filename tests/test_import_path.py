"""`import interviewlab` stays light: pingouin and librosa load only when used (issue 16)."""

import subprocess
import sys

HEAVY = ("pingouin", "librosa")


def test_import_does_not_load_pingouin_or_librosa() -> None:
    # a fresh interpreter: this test session has imported them through other tests
    code = f"import sys, interviewlab\nprint(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    )
    assert out.stdout.strip() == ""
