"""The ZXing black-box photographs in ``shared/testdata/barcodes`` (shared by tests and bench)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TESTDATA = Path(
    os.environ.get("POSCLIENT_BARCODE_TESTDATA") or REPO.parent / "shared" / "testdata" / "barcodes"
)
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif")

# Images that really hold a second code their .txt does not name. qrcode-2/16 is a "double QR":
# an inner QR inside the outer one; the inner one reads "[内側QRコード]…" ("inner QR code") and
# both decoders agree on it. Returning it is not a wrong value.
SECOND_CODES = {"qrcode-2/16": "[内側QRコード]"}


@dataclass(frozen=True)
class Sample:
    folder: str
    name: str
    path: Path
    expected: str

    @property
    def key(self) -> str:
        return f"{self.folder}/{self.name}"

    def is_wrong(self, text: str) -> bool:
        """A value that is neither the expected text nor a second code known to be there."""
        if text == self.expected:
            return False
        extra = SECOND_CODES.get(self.key)
        return not (extra and text.startswith(extra))


def folders() -> list[str]:
    return sorted(p.name for p in TESTDATA.iterdir() if p.is_dir()) if TESTDATA.is_dir() else []


def samples(folder: str | None = None) -> list[Sample]:
    """Every image with a ``.txt`` (read as bytes: the files have CRLF line ends that count)."""
    out: list[Sample] = []
    for name in [folder] if folder else folders():
        for path in sorted((TESTDATA / name).iterdir()):
            expected_file = path.with_suffix(".txt")
            if path.suffix.lower() in IMAGE_SUFFIXES and expected_file.is_file():
                expected = expected_file.read_bytes().decode("utf-8")
                out.append(Sample(name, path.stem, path, expected))
    return out
