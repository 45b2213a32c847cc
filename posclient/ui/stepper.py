"""A number you can type or step with big − / + buttons (quantities, points)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QIntValidator
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPushButton, QWidget

BUTTON_SIZE = 38


class Stepper(QWidget):
    """``committed(value)`` when the value changes by a button, Enter, or leaving the field."""

    committed = Signal(int)

    def __init__(
        self,
        *,
        minimum: int = 0,
        maximum: int = 999,
        step: int = 1,
        edit_width: int = 56,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._min, self._max, self._step = minimum, maximum, step
        self._value = minimum
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        self.minus = QPushButton("−")
        self.plus = QPushButton("+")
        self.edit = QLineEdit()
        self.edit.setValidator(QIntValidator(minimum, maximum, self))
        self.edit.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.edit.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, False)
        self.edit.setMinimumWidth(edit_width)
        for button in (self.minus, self.plus):
            button.setFixedSize(BUTTON_SIZE, BUTTON_SIZE)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setProperty("step", True)
            button.setAutoRepeat(True)
        layout.addWidget(self.minus)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.plus)
        self.setFocusProxy(self.edit)
        self._show()
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.minus.clicked.connect(self._on_minus)
        self.plus.clicked.connect(self._on_plus)
        self.edit.editingFinished.connect(self._on_edited)

    def value(self) -> int:
        return self._value

    def typed_value(self) -> int:
        """What is in the field now, committed or not (empty counts as the minimum)."""
        try:
            return max(self._min, min(self._max, int(self.edit.text() or self._min)))
        except ValueError:
            return self._value

    def set_value(self, value: int) -> None:
        """Show ``value`` without emitting ``committed`` (the model said so)."""
        self._value = max(self._min, min(self._max, value))
        self._show()

    def set_step(self, step: int) -> None:
        self._step = step

    def setEnabled(self, enabled: bool) -> None:
        super().setEnabled(enabled)
        self._show()

    def selectAll(self) -> None:
        self.edit.selectAll()

    def _show(self) -> None:
        self.edit.setText(str(self._value))
        self.minus.setEnabled(self.isEnabled() and self._value > self._min)
        self.plus.setEnabled(self.isEnabled() and self._value < self._max)

    def _commit(self, value: int) -> None:
        value = max(self._min, min(self._max, value))
        if value == self._value:
            self._show()
            return
        self._value = value
        self._show()
        self.committed.emit(value)

    def _on_minus(self) -> None:
        self._commit(self._value - self._step)

    def _on_plus(self) -> None:
        self._commit(self._value + self._step)

    def _on_edited(self) -> None:
        self._commit(self.typed_value())
