"""Keyboard-wedge scanners: tell a scanner's burst of keys from a person typing (Qt-free).

A wedge scanner types its code as key presses a few milliseconds apart (≤ 10 ms on the scanners
we measured) and ends with Enter; a person is at least several times slower. The detector holds
printable keys while a burst may be under way and decides at each key, at Enter, or when the
burst times out:

- a burst of at least ``min_length`` characters, every gap ≤ ``max_gap_ms``, ending in Enter
  within the gap, is a **scan**: the configured prefix/suffix are stripped, Enter is swallowed;
- keys that turn out to be a person's (a gap longer than ``max_gap_ms``, or a short burst) are
  **typed**: the caller hands them to the focused widget, in order, and lets Enter through;
- a machine-speed burst of ``min_length`` or more characters that never ends in Enter (a
  scanner cut off mid-code) is a **partial** scan: dropped, never typed into a field.

Timestamps are milliseconds from any monotonic clock; tests pass their own, nothing sleeps.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_MAX_GAP_MS = 40.0
DEFAULT_MIN_LENGTH = 4


@dataclass(frozen=True)
class WedgeConfig:
    """How the till's scanner is set up (settings keys ``wedge_*``)."""

    prefix: str = ""
    suffix: str = ""
    max_gap_ms: float = DEFAULT_MAX_GAP_MS
    min_length: int = DEFAULT_MIN_LENGTH

    def __post_init__(self) -> None:
        if self.max_gap_ms <= 0:
            raise ValueError("max_gap_ms must be positive")
        if self.min_length < 1:
            raise ValueError("min_length must be at least 1")

    @classmethod
    def from_settings(cls, values: Mapping[str, str | None]) -> WedgeConfig:
        """Read ``wedge_prefix``, ``wedge_suffix``, ``wedge_max_gap_ms``, ``wedge_min_length``."""

        def number(key: str, default: float) -> float:
            try:
                value = float(values.get(key) or default)
            except ValueError:
                return default
            return value if value > 0 else default

        return cls(
            prefix=values.get("wedge_prefix") or "",
            suffix=values.get("wedge_suffix") or "",
            max_gap_ms=number("wedge_max_gap_ms", DEFAULT_MAX_GAP_MS),
            min_length=int(number("wedge_min_length", DEFAULT_MIN_LENGTH)),
        )


def is_wedge_char(text: str) -> bool:
    """Scanners type printable ASCII only; anything else (CJK from an IME…) is a person's."""
    return len(text) == 1 and " " <= text <= "~"


class WedgeDetector:
    """Burst state machine: feed keys with timestamps, get scans; typed keys are handed back."""

    def __init__(self, config: WedgeConfig | None = None) -> None:
        self.config = config or WedgeConfig()
        self._held: list[str] = []
        self._last_ms: float | None = None
        self._typed: list[str] = []
        #: When a configured suffix last completed a scan: a scanner's Enter may still follow.
        self._completed_ms: float | None = None
        #: Partial bursts dropped since the last ``take_partial()`` (for a "scan again" notice).
        self._partial: list[str] = []

    # ------------------------------------------------------------------ state

    @property
    def held(self) -> str:
        """Keys held back while a burst may be under way."""
        return "".join(self._held)

    @property
    def holding(self) -> bool:
        return bool(self._held)

    def deadline(self) -> float | None:
        """When the held keys time out (ms), or None when nothing is held."""
        if not self._held or self._last_ms is None:
            return None
        return self._last_ms + self.config.max_gap_ms

    def take_typed(self) -> str:
        """Keys that were a person's typing, oldest first; the caller gives them to the widget."""
        typed, self._typed = "".join(self._typed), []
        return typed

    def take_partial(self) -> list[str]:
        """Partial scans dropped since the last call."""
        partial, self._partial = self._partial, []
        return partial

    # ------------------------------------------------------------------ input

    def feed(self, char: str, at_ms: float) -> str | None:
        """A key with text. Returns a scan when a configured suffix ends a burst, else None.

        Text a scanner never sends (CJK, control characters) ends the burst and is typed."""
        if not is_wedge_char(char):
            self.interrupt()
            self._typed.append(char)
            return None
        if (
            self._held
            and self._last_ms is not None
            and at_ms - self._last_ms > self.config.max_gap_ms
        ):
            self._end_burst()
        self._held.append(char)
        self._last_ms = at_ms
        suffix = self.config.suffix
        if suffix and self.held.endswith(suffix):
            code = self._strip(self.held)
            if code and len(self._held) >= self.config.min_length:
                self._reset()
                self._completed_ms = at_ms
                return code
        return None

    def feed_enter(self, at_ms: float) -> str | None:
        """Enter. Returns the scan text, ``""`` when Enter belonged to the scanner but carried
        no code (a stray prefix/suffix burst), or None when it is a person's Enter: then
        ``take_typed()`` has any held keys and Enter goes to the focused widget."""
        completed, self._completed_ms = self._completed_ms, None
        if not self._held or self._last_ms is None:
            if completed is not None and at_ms - completed <= self.config.max_gap_ms:
                return ""  # the Enter a scanner sends after its suffix
            return None
        if at_ms - self._last_ms > self.config.max_gap_ms:
            self._end_burst()
            return None
        raw = self.held
        code = self._strip(raw)
        if len(raw) >= self.config.min_length or (not code and self._affixes_only(raw)):
            self._reset()
            return code  # "" for a burst of nothing but prefix and suffix: junk, swallowed
        self._end_burst()
        return None

    def expire(self, now_ms: float) -> bool:
        """Time out held keys if no key came within the gap; True if anything was released."""
        deadline = self.deadline()
        if deadline is None or now_ms < deadline:
            return False
        self._end_burst()
        return True

    def interrupt(self) -> None:
        """A key that is not part of any scan (arrows, Backspace, IME text): end the burst now."""
        if self._held:
            self._end_burst()

    # ------------------------------------------------------------------ internals

    def _strip(self, raw: str) -> str:
        prefix, suffix = self.config.prefix, self.config.suffix
        if prefix and raw.startswith(prefix):
            raw = raw[len(prefix) :]
        if suffix and raw.endswith(suffix):
            raw = raw[: -len(suffix)]
        return raw.strip()

    def _affixes_only(self, raw: str) -> bool:
        affixes = self.config.prefix + self.config.suffix
        return bool(affixes) and all(ch in affixes for ch in raw)

    def _end_burst(self) -> None:
        """The burst ended without a scan: a person's keys, or a partial scan to drop.

        Held keys are only ever kept while every gap is within ``max_gap_ms`` (``feed`` ends the
        burst otherwise), so ``min_length`` of them is faster than a person types."""
        if len(self._held) >= max(self.config.min_length, 2):
            self._partial.append(self.held)
        else:
            self._typed.extend(self._held)
        self._reset()

    def _reset(self) -> None:
        self._held = []
        self._last_ms = None
