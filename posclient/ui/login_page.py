"""Staff login: choose who you are, type the PIN. Wrong PINs count towards a lockout."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from posclient.domain.errors import PosError
from posclient.services import staff as staff_service
from posclient.services.staff import StaffMember

from .context import Context
from .format import named, with_key
from .message_line import MessageLine


class LoginPage(QWidget):
    """The first screen, and the one "switch user" returns to."""

    loggedIn = Signal(object)  # StaffMember
    languageToggled = Signal()

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("loginPage")
        self.ctx = ctx
        self._staff: list[StaffMember] = []
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        card = named(QFrame(), "loginCard")
        card.setMaximumWidth(480)
        layout = QVBoxLayout(card)
        layout.setSpacing(10)
        self.titleLabel = named(QLabel(), "loginTitle")
        self.titleLabel.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.titleLabel)
        self.staffLabel = QLabel()
        self.staffCombo = named(QComboBox(), "staffChoice")
        self.staffLabel.setBuddy(self.staffCombo)
        layout.addWidget(self.staffLabel)
        layout.addWidget(self.staffCombo)
        self.pinLabel = QLabel()
        self.pinInput = named(QLineEdit(), "pinInput")
        self.pinInput.setEchoMode(QLineEdit.EchoMode.Password)
        self.pinInput.setMaxLength(12)
        self.pinInput.setValidator(QRegularExpressionValidator(r"\d{0,12}", self))
        self.pinInput.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, False)
        self.pinLabel.setBuddy(self.pinInput)
        layout.addWidget(self.pinLabel)
        layout.addWidget(self.pinInput)
        self.message = MessageLine(self, name="loginMessage")
        layout.addWidget(self.message)
        row = QHBoxLayout()
        self.loginButton = named(QPushButton(), "loginButton")
        self.loginButton.setProperty("primary", True)
        self.langButton = named(QPushButton(), "loginLanguage")
        row.addWidget(self.loginButton, 2)
        row.addWidget(self.langButton, 1)
        layout.addLayout(row)
        center = QHBoxLayout()
        center.addStretch(1)
        center.addWidget(card, 2)
        center.addStretch(1)
        outer.addLayout(center)
        outer.addStretch(2)
        self._busy = False
        self._connect_signals()
        self._retranslate()

    def _connect_signals(self) -> None:
        self.loginButton.clicked.connect(self._on_login)
        self.pinInput.returnPressed.connect(self._on_login)
        self.langButton.clicked.connect(self.languageToggled)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)

    def _retranslate(self) -> None:
        self.titleLabel.setText(self.tr("posclient · log in"))
        self.staffLabel.setText(self.tr("Staff"))
        self.staffCombo.setAccessibleName(self.tr("Staff"))
        self.pinLabel.setText(self.tr("PIN"))
        self.pinInput.setAccessibleName(self.tr("PIN"))
        self.pinInput.setPlaceholderText(self.tr("Your PIN"))
        self.loginButton.setText(with_key(self.tr("Log in"), "Enter"))
        self.langButton.setText(self.tr("English") if self.ctx.lang != "en" else "中文")
        self._fill_staff()

    def role_name(self, role: str) -> str:
        names = {
            "cashier": self.tr("Cashier"),
            "assistant": self.tr("Assistant"),
            "manager": self.tr("Manager"),
        }
        return names.get(role, role)

    # ------------------------------------------------------------------ staff list

    def reload(self) -> None:
        """Read the staff list (worker) and get ready for a PIN."""
        self.pinInput.clear()
        self.message.show_info("")
        self.ctx.ops.db(staff_service.list_staff, self.ctx.till.db).success(self._on_staff).run()

    def _on_staff(self, staff: list[StaffMember]) -> None:
        self._staff = staff
        self._fill_staff()
        self.pinInput.setFocus()

    def _fill_staff(self) -> None:
        current = self.staffCombo.currentData()
        self.staffCombo.clear()
        for member in self._staff:
            self.staffCombo.addItem(
                f"{member.staff_id} · {member.name} · {self.role_name(member.role)}",
                member.staff_id,
            )
        if current is not None:
            self.select_staff(str(current))

    def select_staff(self, staff_id: str) -> None:
        index = self.staffCombo.findData(staff_id)
        if index >= 0:
            self.staffCombo.setCurrentIndex(index)

    # ------------------------------------------------------------------ login

    def _on_login(self) -> None:
        staff_id = self.staffCombo.currentData()
        if self._busy or not staff_id:
            return
        self._busy = True
        self.loginButton.setEnabled(False)
        pin = self.pinInput.text()
        self.ctx.ops.db(
            staff_service.login, self.ctx.till.db, str(staff_id), pin, clock=self.ctx.clock
        ).success(self._on_logged_in).failure(self._on_failed).run()

    def _on_logged_in(self, member: StaffMember) -> None:
        self._done()
        self.pinInput.clear()
        self.message.show_info("")
        self.loggedIn.emit(member)

    def _on_failed(self, error: PosError) -> None:
        self._done()
        self.pinInput.clear()
        self.pinInput.setFocus()
        self.message.show_error(self.ctx.error_text(error))

    def _done(self) -> None:
        self._busy = False
        self.loginButton.setEnabled(True)
