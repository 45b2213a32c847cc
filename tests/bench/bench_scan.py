"""Scanning benchmark: detection on the real photographs, and camera-frame decode time.

    PYTHONPATH=. python tests/bench/bench_scan.py [--runs 200] [--testdata DIR]

(a) For each folder of ``shared/testdata/barcodes``: images, decoded correctly, wrong values
    (must be 0), detection rate and median decode time, for pyzbar alone, zxing-cpp alone, pyzbar
    first with zxing-cpp as fallback, and what ships (zxing-cpp first, pyzbar as fallback). All
    four go through the same validation; "raw wrong" counts what the decoders returned before it.
(b) A 640×480 grayscale frame (a rendered member QR, and a blank one) through ``decode_frame``:
    median, p95 and mean, target median ≤ 10 ms, with pyzbar restricted to QR as the baseline;
    "camera" is the camera scanner's policy (pyzbar fallback on every other frame only).

Not part of the test suite: it never fails on time, it reports. Decode times exclude reading
the file (the image is loaded first); the machine's load shows in p95.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from PIL import Image

from posclient.scanning import decode
from tests.scanning import barcode_testdata

STRATEGIES: list[tuple[str, Sequence[str]]] = [
    ("pyzbar alone", [decode.PYZBAR]),
    ("zxing-cpp alone", [decode.ZXING]),
    ("pyzbar → zxing-cpp", [decode.PYZBAR, decode.ZXING]),
    ("zxing-cpp → pyzbar (shipped)", list(decode.SHIPPED_ORDER)),
]
TARGET_MS = 10.0


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    for _ in range(min(10, runs)):
        fn()
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def raw_wrong(sample: barcode_testdata.Sample, image: Image.Image, order: Sequence[str]) -> bool:
    """Would the decoders (first one with any output wins) have returned a wrong value unchecked?"""
    gray = decode.to_gray(image)
    for name in order:
        texts = [text for _, text in decode.DECODERS[name](gray)]
        if texts:
            return any(sample.is_wrong(text) for text in texts)
    return False


def detection_table() -> None:
    samples = barcode_testdata.samples()
    if not samples:
        print(f"no test images in {barcode_testdata.TESTDATA}")
        return
    images = {}
    for sample in samples:
        with Image.open(sample.path) as image:
            image.load()
            images[sample.key] = image.copy()
    print(f"(a) detection on {barcode_testdata.TESTDATA}")
    header = (
        f"{'folder':<11} {'decoder':<29} {'images':>6} {'correct':>7} {'wrong':>5} "
        f"{'raw wrong':>9} {'rate':>7} {'median ms':>9}"
    )
    print(header)
    print("-" * len(header))
    totals: dict[str, list[int]] = {}
    for folder in barcode_testdata.folders():
        group = [s for s in samples if s.folder == folder]
        for label, order in STRATEGIES:
            correct = wrong = unchecked = 0
            times = []
            for sample in group:
                image = images[sample.key]
                start = time.perf_counter()
                result = decode.decode_image(image, order=order)
                times.append((time.perf_counter() - start) * 1000)
                correct += sample.expected in result.texts
                wrong += any(sample.is_wrong(text) for text in result.texts)
                unchecked += raw_wrong(sample, image, order)
            total = totals.setdefault(label, [0, 0, 0, 0])
            for i, value in enumerate((len(group), correct, wrong, unchecked)):
                total[i] += value
            print(
                f"{folder:<11} {label:<29} {len(group):>6} {correct:>7} {wrong:>5} {unchecked:>9} "
                f"{correct / len(group):>7.1%} {statistics.median(times):>9.2f}"
            )
        print()
    for label, (count, correct, wrong, unchecked) in totals.items():
        print(
            f"{'all':<11} {label:<29} {count:>6} {correct:>7} {wrong:>5} {unchecked:>9} "
            f"{correct / count:>7.1%}"
        )
    print()
    print(
        "Known second code counted as right: "
        + ", ".join(f"{k} ({v}…)" for k, v in barcode_testdata.SECOND_CODES.items())
    )


def frame_table(runs: int) -> None:
    from pyzbar import pyzbar
    from pyzbar.pyzbar import ZBarSymbol

    from posclient.domain.codes import static_qr_text
    from posclient.scanning.render import member_qr_image

    try:  # the camera module needs Qt; its policy constant is all we use
        from posclient.scanning.camera import FALLBACK_EVERY
    except ImportError:
        FALLBACK_EVERY = 2

    def frame(size: tuple[int, int], with_qr: bool) -> Image.Image:
        canvas = Image.new("L", size, 200)
        if with_qr:  # about a third of the frame height: a phone held at arm's length
            qr = member_qr_image(static_qr_text("DEMO", "2990000000019"), box_size=5)
            canvas.paste(qr, ((size[0] - qr.width) // 2, (size[1] - qr.height) // 2))
        return canvas

    print(f"(b) frame decode, {runs} runs each, target median ≤ {TARGET_MS:.0f} ms")
    header = (
        f"{'frame':<24} {'decoder':<34} {'median ms':>9} {'p95 ms':>7} {'mean ms':>7} {'found':>5}"
    )
    print(header)
    print("-" * len(header))
    cases = [("640×480 member QR", (640, 480), True), ("640×480 blank", (640, 480), False)]
    cases.append(("1280×720 member QR", (1280, 720), True))
    for label, size, with_qr in cases:
        image = frame(size, with_qr)
        data, (width, height) = image.tobytes(), image.size

        def shipped(data=data, width=width, height=height):
            return decode.decode_frame(data, width, height)

        def zxing_only(data=data, width=width, height=height):
            return decode.decode_frame(data, width, height, order=[decode.ZXING])

        def pyzbar_only(data=data, width=width, height=height):
            return decode.decode_frame(data, width, height, order=[decode.PYZBAR])

        def baseline(data=data, width=width, height=height):
            return pyzbar.decode((data, width, height), symbols=[ZBarSymbol.QRCODE])

        calls = [0]

        def camera(data=data, width=width, height=height, calls=calls):
            calls[0] += 1  # what FrameScanner does: the fallback on every other frame
            full = calls[0] % FALLBACK_EVERY == 0
            order = decode.SHIPPED_ORDER if full else decode.SHIPPED_ORDER[:1]
            return decode.decode_frame(data, width, height, order=order)

        rows: list[tuple[str, Callable[[], object]]] = [
            ("decode_frame (shipped)", shipped),
            (f"camera: fallback every {FALLBACK_EVERY}nd frame", camera),
            ("decode_frame zxing-cpp only", zxing_only),
            ("decode_frame pyzbar only", pyzbar_only),
            ("baseline: pyzbar, QR only", baseline),
        ]
        for name, fn in rows:
            found = fn()
            count = len(found.codes if isinstance(found, decode.DecodeResult) else found)
            times = timed(fn, runs)
            print(
                f"{label:<24} {name:<34} {statistics.median(times):>9.2f} "
                f"{percentile(times, 95):>7.2f} {statistics.fmean(times):>7.2f} {count:>5}"
            )
        print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--testdata", type=Path, default=None)
    args = parser.parse_args()
    if args.testdata:
        barcode_testdata.TESTDATA = args.testdata
    from importlib.metadata import version

    print(
        f"zxing-cpp {version('zxing-cpp')}, pyzbar {version('pyzbar')}, "
        f"Pillow {version('pillow')}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs"
    )
    print()
    detection_table()
    print()
    frame_table(args.runs)


if __name__ == "__main__":
    main()
