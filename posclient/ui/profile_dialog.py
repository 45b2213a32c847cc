"""A member's profile: details (edit if allowed), consent (withdraw/grant), erasure, purchases and
points with expiry dates. Cashiers see masked values and cannot edit (services.profile)."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from posclient.domain.errors import PosError
from posclient.services import profile as profile_service
from posclient.services.profile import Profile
from posclient.sync.protocol import ConsentPurpose, Gender

from . import format as fmt
from .context import Context
from .format import named
from .message_line import MessageLine

OPTIONAL = (ConsentPurpose.MARKETING, ConsentPurpose.PERSONALISED, ConsentPurpose.SENSITIVE)


class ProfileDialog(QDialog):
    #: A change went into the outbox (profile edit, consent, erasure): worth sending now.
    changed = Signal()

    def __init__(self, ctx: Context, member_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.member_id = member_id
        self.profile: Profile | None = None
        self._erase_armed = False
        self.setObjectName("profileDialog")
        self.resize(760, 600)
        layout = QVBoxLayout(self)
        self.header = named(QLabel(), "profileHeader")
        self.header.setStyleSheet("font-weight: bold; font-size: 16px;")
        layout.addWidget(self.header)
        self.tabs = QTabWidget(self)
        layout.addWidget(self.tabs, 1)
        self.message = MessageLine(self, name="profileMessage")
        layout.addWidget(self.message)
        self._build_details()
        self.purchases = named(QTableWidget(0, 4), "profilePurchases")
        self.points = named(QTableWidget(0, 4), "profilePoints")
        for table in (self.purchases, self.points):
            table.verticalHeader().hide()
            table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
            table.horizontalHeader().setStretchLastSection(True)
        self.tabs.addTab(self.detailsPage, "")
        self.tabs.addTab(self.purchases, "")
        self.tabs.addTab(self.points, "")
        self._retranslate()
        self.reload()

    def _build_details(self) -> None:
        self.detailsPage = QWidget()
        box = QVBoxLayout(self.detailsPage)
        form = QFormLayout()
        self.inputs: dict[str, QLineEdit] = {}
        self.labels: dict[str, QLabel] = {}
        for name in ("phone", "name", "birthday", "categories"):
            self.inputs[name] = named(QLineEdit(), f"profile_{name}")
            self.labels[name] = QLabel()
        self.genderInput = named(QComboBox(), "profile_gender")
        self.labels["gender"] = QLabel()
        form.addRow(self.labels["phone"], self.inputs["phone"])
        form.addRow(self.labels["name"], self.inputs["name"])
        form.addRow(self.labels["gender"], self.genderInput)
        form.addRow(self.labels["birthday"], self.inputs["birthday"])
        form.addRow(self.labels["categories"], self.inputs["categories"])
        box.addLayout(form)
        self.saveButton = named(QPushButton(), "profileSave")
        box.addWidget(self.saveButton)
        self.consentTitle = QLabel()
        self.consentTitle.setStyleSheet("font-weight: bold;")
        box.addWidget(self.consentTitle)
        self.consentChecks: dict[ConsentPurpose, QCheckBox] = {}
        for purpose in OPTIONAL:
            check = named(QCheckBox(), f"profileConsent_{purpose.value}")
            check.clicked.connect(lambda on, p=purpose: self._on_consent(p, on))
            self.consentChecks[purpose] = check
            box.addWidget(check)
        box.addStretch(1)
        row = QHBoxLayout()
        self.eraseButton = named(QPushButton(), "profileErase")
        self.closeButton = named(QPushButton(), "profileClose")
        row.addWidget(self.eraseButton)
        row.addStretch(1)
        row.addWidget(self.closeButton)
        box.addLayout(row)
        self.saveButton.clicked.connect(self._on_save)
        self.eraseButton.clicked.connect(self._on_erase)
        self.closeButton.clicked.connect(self.accept)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)

    def _retranslate(self) -> None:
        self.setWindowTitle(self.tr("Member profile"))
        self.tabs.setTabText(0, self.tr("Details and consent"))
        self.tabs.setTabText(1, self.tr("Purchases"))
        self.tabs.setTabText(2, self.tr("Points"))
        for name, text in (
            ("phone", self.tr("Mobile")),
            ("name", self.tr("Name")),
            ("gender", self.tr("Gender")),
            ("birthday", self.tr("Birthday (YYYY-MM-DD)")),
            ("categories", self.tr("Preferred categories")),
        ):
            self.labels[name].setText(text)
        current = self.genderInput.currentIndex()
        self.genderInput.clear()
        self.genderInput.addItem(self.tr("Not given"), None)
        self.genderInput.addItem(self.tr("Female"), Gender.FEMALE.value)
        self.genderInput.addItem(self.tr("Male"), Gender.MALE.value)
        self.genderInput.addItem(self.tr("Other"), Gender.OTHER.value)
        self.genderInput.setCurrentIndex(max(0, current))
        self.saveButton.setText(self.tr("Save changes"))
        self.consentTitle.setText(self.tr("Consent (untick to withdraw: the data goes at once)"))
        self.consentChecks[ConsentPurpose.MARKETING].setText(self.tr("Marketing messages"))
        self.consentChecks[ConsentPurpose.PERSONALISED].setText(
            self.tr("Personalised offers (gender, preferred categories)")
        )
        self.consentChecks[ConsentPurpose.SENSITIVE].setText(
            self.tr("Sensitive details (birthday)")
        )
        self.eraseButton.setText(
            self.tr("Click again to confirm the erasure")
            if self._erase_armed
            else self.tr("Close membership and erase data")
        )
        self.closeButton.setText(self.tr("Close"))
        self.purchases.setHorizontalHeaderLabels(
            [self.tr("Time"), self.tr("Receipt"), self.tr("Paid"), self.tr("Points")]
        )
        self.points.setHorizontalHeaderLabels(
            [self.tr("Time"), self.tr("Movement"), self.tr("Points"), self.tr("Expires")]
        )
        if self.profile is not None:
            self._show(self.profile)

    # ------------------------------------------------------------------ load / show

    def reload(self) -> None:
        till = self.ctx.till
        self.ctx.ops.db(
            profile_service.open_profile,
            till.db,
            till.cipher,
            self.ctx.staff,
            self.member_id,
            now=self.ctx.clock.now(),
        ).success(self._show).failure(self._on_failed).run()

    def _on_failed(self, error: PosError) -> None:
        self.message.show_error(self.ctx.error_text(error))

    def _show(self, profile: Profile) -> None:
        self.profile = profile
        masked = self.tr(" · masked (cashier view)") if profile.masked else ""
        self.header.setText(
            self.tr("Card %1 · %2 purchases")
            .replace("%1", profile.card_no)
            .replace("%2", str(profile.purchase_count))
            + masked
        )
        values = profile.values
        for name, edit in self.inputs.items():
            value = values.get(name)
            if isinstance(value, list):
                value = ", ".join(value)
            elif isinstance(value, date):
                value = value.isoformat()
            edit.setText("" if value is None else str(value))
            edit.setReadOnly(not profile.editable)
        gender = values.get("gender")
        index = self.genderInput.findData(gender) if gender else 0
        if index < 0:  # masked ("***"): shown as it is, not as "not given"
            self.genderInput.addItem(str(gender), gender)
            index = self.genderInput.count() - 1
        self.genderInput.setCurrentIndex(index)
        self.genderInput.setEnabled(profile.editable)
        for purpose, check in self.consentChecks.items():
            check.setChecked(bool(profile.consents.get(purpose.value)))
            check.setEnabled(profile.editable)
        self.saveButton.setVisible(profile.editable)
        self.eraseButton.setVisible(profile.editable)
        self._fill(
            self.purchases,
            [
                (
                    fmt.local_hhmm(self.ctx.clock, p.at),
                    p.receipt_no,
                    fmt.yuan(p.amount),
                    f"+{p.points_earned} / -{p.points_redeemed}",
                )
                for p in profile.purchases
            ],
        )
        kinds = {
            "earn": self.tr("Earned"),
            "redeem": self.tr("Redeemed"),
            "lot": self.tr("Balance at HQ"),
            "refund_restore": self.tr("Refund: points back"),
            "refund_reverse": self.tr("Refund: earned points taken back"),
        }
        self._fill(
            self.points,
            [
                (
                    fmt.local_hhmm(self.ctx.clock, line.at) if line.at else "",
                    kinds.get(line.kind, line.kind)
                    + ("" if line.confirmed else self.tr(" (not synced)")),
                    fmt.points(line.points),
                    line.expires_on.isoformat() if line.expires_on else "",
                )
                for line in profile.points
            ],
        )

    @staticmethod
    def _fill(table: QTableWidget, rows: list[tuple[str, ...]]) -> None:
        table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                table.setItem(r, c, QTableWidgetItem(text))
        table.resizeColumnsToContents()

    # ------------------------------------------------------------------ changes

    def changes(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in ("phone", "name"):
            out[name] = self.inputs[name].text().strip() or None
        text = self.inputs["birthday"].text().strip()
        if text:
            try:
                out["birthday"] = date.fromisoformat(text)
            except ValueError as exc:
                raise PosError("profile.invalid", field="birthday") from exc
        else:
            out["birthday"] = None
        cats = [c.strip() for c in self.inputs["categories"].text().split(",") if c.strip()]
        out["categories"] = cats or None
        out["gender"] = self.genderInput.currentData()
        return out

    def _on_save(self) -> None:
        try:
            changes = self.changes()
        except PosError as error:
            self._on_failed(error)
            return
        till = self.ctx.till
        self.ctx.ops.db(
            profile_service.edit_profile,
            till.db,
            till.cipher,
            self.ctx.staff,
            self.member_id,
            changes,
            now=self.ctx.clock.now(),
        ).success(self._on_saved).failure(self._on_failed).run()

    def _on_saved(self, fields: list[str]) -> None:
        names = self._field_names()
        self.message.show_info(
            self.tr("Saved: %1").replace("%1", self.tr(", ").join(names.get(f, f) for f in fields))
            if fields
            else self.tr("No changes")
        )
        if fields:
            self.changed.emit()
        self.reload()

    def _field_names(self) -> dict[str, str]:
        return {
            "phone": self.tr("Mobile"),
            "name": self.tr("Name"),
            "gender": self.tr("Gender"),
            "birthday": self.tr("Birthday"),
            "categories": self.tr("Preferred categories"),
        }

    def _on_consent(self, purpose: ConsentPurpose, granted: bool) -> None:
        self.ctx.ops.db(
            profile_service.set_consent,
            self.ctx.till.db,
            self.ctx.staff,
            self.member_id,
            purpose,
            granted,
            lang=self.ctx.lang,
            now=self.ctx.clock.now(),
        ).success(lambda _purged: self._after_change(self.tr("Consent recorded"))).failure(
            self._on_failed
        ).run()

    def _after_change(self, text: str) -> None:
        self.message.show_info(text)
        self.changed.emit()  # withdrawals and erasures go to HQ at once (DESIGN)
        self.reload()

    def _on_erase(self) -> None:
        if not self._erase_armed:
            self._erase_armed = True
            self._retranslate()
            return
        self.ctx.ops.db(
            profile_service.request_erasure,
            self.ctx.till.db,
            self.ctx.staff,
            self.member_id,
            now=self.ctx.clock.now(),
        ).success(lambda _r: self._after_change(self.tr("Erasure requested"))).failure(
            self._on_failed
        ).run()
