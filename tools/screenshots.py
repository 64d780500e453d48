"""Render every report page under reports/ to PNG with headless Chromium (``make screenshots``).

Needs Debian's ``chromium`` (``apt-get install chromium``); the tests never do. Each page
is rendered at 1400 px wide into ``reports/screenshots/<folder>-<page>.png``, tall enough
for the whole page, and the blank space under the page is trimmed.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageChops

WIDTH = 1400
MAX_HEIGHT = 30000


def _trim(path: Path) -> None:
    with Image.open(path) as image:
        rgb = image.convert("RGB")
        background = Image.new("RGB", rgb.size, rgb.getpixel((rgb.width - 1, rgb.height - 1)))
        box = ImageChops.difference(rgb, background).getbbox()
        if box:
            rgb.crop((0, 0, rgb.width, min(box[3] + 40, rgb.height))).save(path, optimize=True)


def main(folder: str = "reports") -> int:
    """Screenshot every page under ``folder``; returns the exit status."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("make screenshots needs Chromium: apt-get install chromium", file=sys.stderr)
        return 1
    root = Path(folder)
    out = root / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    pages = [p for p in [root / "index.html", *sorted(root.glob("*/*.html"))] if p.is_file()]
    for page in pages:
        stem = "index" if page.parent == root else f"{page.parent.name}-{page.stem}"
        target = out / f"{stem}.png"
        with tempfile.TemporaryDirectory() as profile:
            subprocess.run(
                [
                    chromium,
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--hide-scrollbars",
                    f"--user-data-dir={profile}",
                    f"--window-size={WIDTH},{MAX_HEIGHT}",
                    f"--screenshot={target.resolve()}",
                    page.resolve().as_uri(),
                ],
                check=True,
                capture_output=True,
                timeout=180,
            )
        _trim(target)
        print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
