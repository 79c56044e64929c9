"""Install what the test suite needs beyond Python packages: Debian's Chromium for browser tests.

Playwright drives Debian's Chromium (/usr/bin/chromium); Playwright's own browser download
does not work here. As root the package is installed with apt-get; otherwise the browser
tests skip with a message (and fail under CI=true, where nothing runnable may be skipped).
"""

import os
import shutil
import subprocess
import sys

PACKAGES = ["chromium", "fonts-dejavu-core"]


def main() -> int:
    if shutil.which("chromium"):
        return 0
    if os.geteuid() != 0:
        print(
            "test_setup: chromium is not installed and we are not root; browser tests will "
            "be skipped (run 'apt-get install chromium' to enable them)."
        )
        return 0
    print(f"test_setup: installing {' '.join(PACKAGES)} from Debian's packages", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env)
    subprocess.run(
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", *PACKAGES],
        check=True,
        env=env,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
