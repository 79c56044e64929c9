"""Fetch the admin's third-party browser libraries from the npm registry, verified by hash.

The analytics dashboard draws its graph with uPlot. Nothing is loaded from a CDN at run
time: this script (run by `make install`, `make demo` and `make test`) downloads the pinned
package tarball, checks it against the integrity hash published in the registry's metadata
(`dist.integrity`), and extracts only the files the page needs into the app's static
directory, which git ignores. Run again, it does nothing unless a pin changed.

Only the standard library: it runs before or without the project's own packages.
Set NPM_REGISTRY to use a mirror; the hash check is the same.
"""

import base64
import hashlib
import io
import json
import os
import sys
import tarfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
VENDOR_DIR = REPO_ROOT / "src/commonground/analytics/static/analytics/vendor"
DEFAULT_REGISTRY = "https://registry.npmjs.org"
# What was installed, so a second run can tell that nothing changed. A dotfile, so
# collectstatic leaves it out.
MARKER = ".fetched"


@dataclass(frozen=True)
class VendorPackage:
    name: str
    version: str
    integrity: str  # "sha512-<base64>", as npm publishes it in dist.integrity
    files: dict[str, str]  # path inside the tarball -> file name under VENDOR_DIR/<name>/

    def tarball_url(self, registry: str) -> str:
        return f"{registry.rstrip('/')}/{self.name}/-/{self.name}-{self.version}.tgz"


PACKAGES = (
    VendorPackage(
        name="uplot",
        version="1.6.32",
        integrity=(
            "sha512-KIMVnG68zvu5XXUbC4LQEPnhwOxBuLyW1AHtpm6IKTXImkbLgkMy+jabjLgSLMasNuGGzQm/ep3tOkyTxpiQIw=="
        ),
        files={
            "package/dist/uPlot.iife.min.js": "uPlot.iife.min.js",
            "package/dist/uPlot.min.css": "uPlot.min.css",
            "package/LICENSE": "LICENSE",
        },
    ),
)


class VendorAssetError(RuntimeError):
    """A package could not be fetched, did not match its pinned hash, or lacked a file."""


def verify_integrity(data: bytes, integrity: str) -> None:
    algorithm, _, expected = integrity.partition("-")
    if algorithm not in {"sha512", "sha384", "sha256"}:
        raise VendorAssetError(f"unsupported integrity algorithm {algorithm!r}")
    actual = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
    if actual != expected:
        raise VendorAssetError(
            f"integrity mismatch: expected {integrity}, the download has {algorithm}-{actual}"
        )


def download(url: str, *, timeout: float = 60.0) -> bytes:
    if not url.startswith(("https://", "http://")):
        raise VendorAssetError(f"refusing to download from {url!r}: not an HTTP(S) URL")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (checked)
            data: bytes = response.read()
            return data
    except (urllib.error.URLError, OSError) as error:
        raise VendorAssetError(f"could not download {url}: {error}") from error


def install(package: VendorPackage, *, registry: str, vendor_dir: Path) -> bool:
    """Put ``package``'s files in place; False when they already were (nothing fetched)."""
    target = vendor_dir / package.name
    marker = target / MARKER
    wanted = f"{package.version} {package.integrity}\n"
    if (
        marker.is_file()
        and marker.read_text() == wanted
        and all((target / name).is_file() for name in package.files.values())
    ):
        return False
    url = package.tarball_url(registry)
    data = download(url)
    try:
        verify_integrity(data, package.integrity)
    except VendorAssetError as error:
        raise VendorAssetError(f"{package.name} {package.version} from {url}: {error}") from error
    contents: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for member_name in package.files:
            try:
                member = archive.getmember(member_name)
            except KeyError:
                raise VendorAssetError(
                    f"{package.name} {package.version} has no {member_name}"
                ) from None
            extracted = archive.extractfile(member) if member.isfile() else None
            if extracted is None:
                raise VendorAssetError(f"{package.name}: {member_name} is not a regular file")
            contents[member_name] = extracted.read()
    target.mkdir(parents=True, exist_ok=True)
    # Only the listed names are written, under names we chose: an archive's paths never are.
    for member_name, file_name in package.files.items():
        partial = target / f".{file_name}.partial"
        partial.write_bytes(contents[member_name])
        partial.replace(target / file_name)
    marker.write_text(wanted)
    return True


def main() -> int:
    registry = os.environ.get("NPM_REGISTRY", DEFAULT_REGISTRY)
    try:
        for package in PACKAGES:
            if install(package, registry=registry, vendor_dir=VENDOR_DIR):
                print(f"vendor assets: {package.name} {package.version} fetched and verified")
    except VendorAssetError as error:
        print(f"vendor assets: {error}", file=sys.stderr)
        return 1
    # The Makefile's stamp: one file for all packages, newer than this script's pins.
    (VENDOR_DIR / MARKER).write_text(json.dumps({p.name: p.version for p in PACKAGES}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
