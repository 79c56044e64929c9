"""Install what the test suite needs beyond Python packages: Chromium and Redis from Debian.

Playwright drives Debian's Chromium (/usr/bin/chromium); Playwright's own browser download
does not work here. The page-cache tests also run against a real Redis server. As root the
packages are installed with apt-get; otherwise the tests that need them skip with a message
(and fail under CI=true, where nothing runnable may be skipped).
"""

import os
import subprocess
import sys
from pathlib import Path

# Debian package -> a path it installs, to tell whether it is there.
PACKAGES = {
    "chromium": "/usr/bin/chromium",
    "fonts-dejavu-core": "/usr/share/fonts/truetype/dejavu",
    "redis-server": "/usr/bin/redis-server",
}


def main() -> int:
    missing = [package for package, path in PACKAGES.items() if not Path(path).exists()]
    if not missing:
        return 0
    if os.geteuid() != 0:
        print(
            f"test_setup: {' '.join(missing)} not installed and we are not root; the tests "
            f"that need them will be skipped (apt-get install {' '.join(missing)})."
        )
        return 0
    print(f"test_setup: installing {' '.join(missing)} from Debian's packages", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env)
    subprocess.run(
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing],
        check=True,
        env=env,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
