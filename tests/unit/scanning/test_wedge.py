"""Keyboard-wedge burst detection with realistic key timing (no Qt, no sleeping)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from posclient.scanning.wedge import WedgeConfig, WedgeDetector

SCANNER_GAPS = st.floats(min_value=0.5, max_value=10.0)  # measured scanners: ≤ 10 ms
PERSON_GAPS = st.floats(min_value=80.0, max_value=600.0)  # fast typists: ~80 ms and up
CODES = st.text(alphabet="0123456789ABCDEFGHJKLMNPQRSTUVWXYZ:.-", min_size=4, max_size=60)


def type_keys(detector: WedgeDetector, text: str, gaps, start: float = 1000.0):
    """Feed ``text`` with the given gaps; return (scans from keys, typed, time of last key)."""
    now, scans, typed = start, [], []
    for index, char in enumerate(text):
        if index:
            now += gaps[(index - 1) % len(gaps)]
            if detector.expire(now - 0.001):  # the timer of the Qt filter, just before the key
                typed.append(detector.take_typed())
        scan = detector.feed(char, now)
        typed.append(detector.take_typed())
        if scan:
            scans.append(scan)
    return scans, "".join(typed), now


def test_scanner_burst_is_a_scan_and_nothing_is_typed():
    detector = WedgeDetector()
    scans, typed, last = type_keys(detector, "6901234000009", [4.0])
    assert (scans, typed) == ([], "")
    assert detector.held == "6901234000009"
    assert detector.feed_enter(last + 5) == "6901234000009"
    assert detector.take_typed() == "" and not detector.holding


def test_person_typing_goes_to_the_widget_and_enter_passes():
    detector = WedgeDetector()
    scans, typed, last = type_keys(detector, "13912345678", [150.0, 95.0, 210.0])
    assert scans == []
    assert typed == "1391234567"  # each key released when the next one came too late
    assert detector.feed_enter(last + 180) is None
    assert detector.take_typed() == "8"  # the last key, then Enter goes to the widget


def test_enter_typed_quickly_after_a_few_keys_is_still_a_person():
    detector = WedgeDetector()
    detector.feed("1", 0)
    detector.feed("2", 25)  # a fast pair: rollover typing
    assert detector.feed_enter(45) is None
    assert detector.take_typed() == "12"


def test_prefix_and_suffix_are_stripped():
    detector = WedgeDetector(WedgeConfig(prefix="]E0", suffix="#"))
    scans, _, last = type_keys(detector, "]E06901234000009#", [3.0])
    # The suffix ends the scan by itself (scanners set to send no Enter) …
    assert scans == ["6901234000009"]
    # … and the Enter a scanner sends after its suffix is swallowed, not given to the widget.
    assert detector.feed_enter(last + 3) == ""
    assert detector.take_typed() == ""


def test_burst_without_the_configured_prefix_is_still_a_scan():
    detector = WedgeDetector(WedgeConfig(prefix="]E0"))
    _, _, last = type_keys(detector, "6901234000009", [3.0])
    assert detector.feed_enter(last + 3) == "6901234000009"


def test_stray_prefix_and_suffix_burst_is_swallowed_not_typed():
    detector = WedgeDetector(WedgeConfig(prefix="~", suffix="$"))
    detector.feed("~", 0)
    detector.feed("$", 2)
    assert detector.feed_enter(4) == ""  # non-None: swallow Enter; empty: no scan
    assert detector.take_typed() == ""


def test_person_typing_the_prefix_character_is_typing():
    detector = WedgeDetector(WedgeConfig(prefix="~"))
    scans, typed, last = type_keys(detector, "~abc", [200.0])
    assert detector.feed_enter(last + 300) is None
    assert typed + detector.take_typed() == "~abc" and scans == []


def test_partial_burst_that_times_out_is_dropped_not_typed():
    detector = WedgeDetector()
    type_keys(detector, "690123", [4.0], start=0)
    assert not detector.expire(20)  # still within the gap of the last key (at 20 ms)
    assert detector.expire(20 + 41)
    assert detector.take_typed() == ""
    assert detector.take_partial() == ["690123"]
    assert not detector.holding


def test_partial_burst_followed_by_a_real_scan():
    detector = WedgeDetector()
    _, _, last = type_keys(detector, "69012", [5.0], start=0)
    _, typed, last = type_keys(detector, "6901234000009", [5.0], start=last + 300)
    assert typed == ""
    assert detector.take_partial() == ["69012"]
    assert detector.feed_enter(last + 5) == "6901234000009"


def test_late_enter_after_a_burst_is_not_a_scan():
    detector = WedgeDetector()
    _, _, last = type_keys(detector, "6901234000009", [4.0])
    assert detector.feed_enter(last + 500) is None
    assert detector.take_partial() == ["6901234000009"]


def test_short_burst_with_enter_is_a_person():
    detector = WedgeDetector(WedgeConfig(min_length=4))
    type_keys(detector, "12", [3.0], start=0)
    assert detector.feed_enter(6) is None
    assert detector.take_typed() == "12"


def test_cjk_from_an_input_method_ends_the_burst_and_is_typed():
    detector = WedgeDetector()
    detector.feed("a", 0)
    assert detector.feed("你", 5) is None
    assert detector.take_typed() == "a你"
    # A scan straight after the IME text is still a scan.
    _, typed, last = type_keys(detector, "2990000000026", [3.0], start=10)
    assert typed == "" and detector.feed_enter(last + 3) == "2990000000026"


def test_interrupt_releases_a_person_keys_in_order():
    detector = WedgeDetector()
    detector.feed("4", 0)
    detector.interrupt()  # e.g. Backspace, an arrow key, an IME event
    assert detector.take_typed() == "4"


def test_config_from_settings_falls_back_on_bad_values():
    config = WedgeConfig.from_settings(
        {"wedge_prefix": "~", "wedge_max_gap_ms": "abc", "wedge_min_length": "-3"}
    )
    assert config == WedgeConfig(prefix="~")
    assert WedgeConfig.from_settings({"wedge_max_gap_ms": "25"}).max_gap_ms == 25


@settings(max_examples=200)
@given(code=CODES, gaps=st.lists(SCANNER_GAPS, min_size=1, max_size=8), enter=SCANNER_GAPS)
def test_any_code_at_scanner_speed_is_scanned_exactly(code, gaps, enter):
    detector = WedgeDetector()
    scans, typed, last = type_keys(detector, code, gaps)
    assert scans == [] and typed == ""
    assert detector.feed_enter(last + enter) == code.strip()


@settings(max_examples=200)
@given(text=CODES, gaps=st.lists(PERSON_GAPS, min_size=1, max_size=8), enter=PERSON_GAPS)
def test_anything_at_human_speed_is_typed_never_scanned(text, gaps, enter):
    detector = WedgeDetector()
    scans, typed, last = type_keys(detector, text, gaps)
    assert scans == []
    assert detector.feed_enter(last + enter) is None
    assert typed + detector.take_typed() == text
    assert detector.take_partial() == []
