"""An application-wide event filter that routes keyboard-wedge scans to the scan path.

Installed on the QApplication, it sees every key press before the focused widget does. Printable
keys are held while a scanner burst may be under way (``posclient.scanning.wedge``); a completed
burst is emitted as ``scanned`` and never reaches the widget; a person's keys are given back to
the focused widget, in order, a few tens of milliseconds late. Input-method events (a Chinese
IME composing or committing text) are a person's and pass straight through; scanners send plain
key events whatever IME is active.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

from posclient.scanning.wedge import WedgeConfig, WedgeDetector, is_wedge_char

_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
_COMMAND_MODIFIERS = (
    Qt.KeyboardModifier.ControlModifier
    | Qt.KeyboardModifier.AltModifier
    | Qt.KeyboardModifier.MetaModifier
)


def monotonic_ms() -> float:
    return time.monotonic() * 1000.0


class WedgeFilter(QObject):
    """Key bursts → ``scanned(text)``; everything else goes where it was going."""

    scanned = Signal(str)
    #: A burst too fast for a person that never ended: dropped (the screen says "scan again").
    partialScan = Signal(str)

    def __init__(
        self,
        config: WedgeConfig | None = None,
        *,
        clock: Callable[[], float] = monotonic_ms,
        enabled: Callable[[], bool] = lambda: True,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.detector = WedgeDetector(config)
        self._clock = clock
        self._enabled = enabled
        self._replaying = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self._timer.timeout.connect(self._on_timeout)

    def set_config(self, config: WedgeConfig) -> None:
        self.release_expired(force=True)
        self.detector = WedgeDetector(config)

    # ------------------------------------------------------------------ the filter

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        kind = event.type()
        if self._replaying or kind not in (QEvent.Type.KeyPress, QEvent.Type.InputMethod):
            return False
        if not isinstance(obj, QWidget):
            return False  # the window-level delivery; the same event reaches the widget next
        if kind == QEvent.Type.InputMethod:
            self._interrupt()  # IME text is a person's: what they typed before goes first
            return False
        assert isinstance(event, QKeyEvent)
        if not self._enabled():
            self._interrupt()
            return False
        now = self._clock()
        key = event.key()
        modifiers = event.modifiers()
        if event.isAutoRepeat() or modifiers & _COMMAND_MODIFIERS:
            self._interrupt()
            return False
        if key in _ENTER:
            result = self.detector.feed_enter(now)
            self._flush()
            if result is None:
                return False
            if result:
                self.scanned.emit(result)
            return True
        text = event.text()
        if not is_wedge_char(text):
            self._interrupt()
            return False
        result = self.detector.feed(text, now)
        self._flush()
        if result:
            self.scanned.emit(result)
        else:
            self._arm_timer(now)
        return True

    # ------------------------------------------------------------------ timing

    def release_expired(self, *, force: bool = False) -> None:
        """Give held keys to the focused widget if their burst timed out (the timer calls it)."""
        if force:
            self.detector.interrupt()
        elif not self.detector.expire(self._clock()):
            deadline = self.detector.deadline()
            if deadline is not None:
                self._arm_timer(self._clock())
            return
        self._flush()

    def _on_timeout(self) -> None:
        self.release_expired()

    def _arm_timer(self, now: float) -> None:
        deadline = self.detector.deadline()
        if deadline is None:
            self._timer.stop()
            return
        self._timer.start(max(1, int(deadline - now) + 2))

    def _interrupt(self) -> None:
        if self.detector.holding:
            self.detector.interrupt()
            self._flush()

    def _flush(self) -> None:
        for partial in self.detector.take_partial():
            self.partialScan.emit(partial)
        typed = self.detector.take_typed()
        if not self.detector.holding:
            self._timer.stop()
        if typed:
            self._replay(typed)

    def _replay(self, typed: str) -> None:
        target = QApplication.focusWidget()
        if target is None:
            return
        self._replaying = True
        try:
            for char in typed:
                key = ord(char.upper()) if char.isalpha() else ord(char)
                for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                    QApplication.sendEvent(
                        target, QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, char)
                    )
        finally:
            self._replaying = False
