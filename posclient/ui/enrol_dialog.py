"""Enrolling a member: phone and duplicate check → consent per purpose → details → member QR.

No optional field can be typed before its purpose is agreed: the details page is reached only
through the consent page, and each field there is enabled only if its purpose was agreed.
"""

from __future__ import annotations

from PySide6.QtCore import QDate, QEvent, Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from posclient.domain.errors import PosError
from posclient.scanning.render import member_qr_png
from posclient.services import enrolment
from posclient.services.consent import notices
from posclient.services.enrolment import CATEGORIES, Duplicate, EnrolForm, Enrolled
from posclient.sync.protocol import FIELD_PURPOSE, ConsentPurpose, Gender

from .consent_screen import CustomerNoticeWindow, find_customer_screen
from .context import Context
from .format import named
from .message_line import MessageLine

P = ConsentPurpose
OPTIONAL = (P.MARKETING, P.PERSONALISED, P.SENSITIVE)


class EnrolDialog(QDialog):
    #: The card number of the enrolled (or the existing) member, to identify at checkout.
    memberChosen = Signal(str)

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("enrolDialog")
        self.setModal(True)
        self.resize(760, 640)
        self.duplicate: Duplicate | None = None
        self.enrolled: Enrolled | None = None
        self.customerWindow: CustomerNoticeWindow | None = None
        layout = QVBoxLayout(self)
        self.stepLabel = named(QLabel(), "enrolStep")
        self.stepLabel.setStyleSheet("font-weight: bold;")
        layout.addWidget(self.stepLabel)
        self.pages = QStackedWidget(self)
        layout.addWidget(self.pages, 1)
        self.message = MessageLine(self, name="enrolMessage")
        layout.addWidget(self.message)
        self._build_phone_page()
        self._build_consent_page()
        self._build_details_page()
        self._build_done_page()
        self._retranslate()
        self.phoneInput.setFocus()

    # ------------------------------------------------------------------ pages

    def _build_phone_page(self) -> None:
        page = QWidget()
        box = QVBoxLayout(page)
        self.phoneLabel = QLabel()
        self.phoneInput = named(QLineEdit(), "enrolPhone")
        self.phoneInput.setMaxLength(20)
        self.checkButton = named(QPushButton(), "enrolCheck")
        row = QHBoxLayout()
        row.addWidget(self.phoneInput, 1)
        row.addWidget(self.checkButton)
        self.duplicateLabel = named(QLabel(), "enrolDuplicate")
        self.duplicateLabel.setWordWrap(True)
        self.useExistingButton = named(QPushButton(), "enrolUseExisting")
        self.useExistingButton.hide()
        self.toConsentButton = named(QPushButton(), "enrolToConsent")
        self.toConsentButton.setEnabled(False)
        box.addWidget(self.phoneLabel)
        box.addLayout(row)
        box.addWidget(self.duplicateLabel)
        box.addWidget(self.useExistingButton)
        box.addStretch(1)
        box.addWidget(self.toConsentButton)
        self.pages.addWidget(page)
        self.checkButton.clicked.connect(self._on_check)
        self.phoneInput.returnPressed.connect(self._on_check)
        self.phoneInput.textEdited.connect(lambda _t: self.toConsentButton.setEnabled(False))
        self.useExistingButton.clicked.connect(self._on_use_existing)
        self.toConsentButton.clicked.connect(self._show_consent)

    def _build_consent_page(self) -> None:
        page = QWidget()
        box = QVBoxLayout(page)
        row = QHBoxLayout()
        self.customerLangLabel = QLabel()
        self.customerLang = named(QComboBox(), "enrolCustomerLang")
        self.customerLang.addItem("中文", "zh_CN")
        self.customerLang.addItem("English", "en")
        row.addWidget(self.customerLangLabel)
        row.addWidget(self.customerLang)
        row.addStretch(1)
        box.addLayout(row)
        self.screenLabel = named(QLabel(), "enrolScreenHint")
        self.screenLabel.setWordWrap(True)
        box.addWidget(self.screenLabel)
        inner = QWidget()
        notices_box = QVBoxLayout(inner)
        self.noticeBoxes: dict[ConsentPurpose, QGroupBox] = {}
        self.noticeTexts: dict[ConsentPurpose, QLabel] = {}
        self.agree: dict[ConsentPurpose, QCheckBox] = {}
        for purpose in ConsentPurpose:
            group = named(QGroupBox(), f"consent_{purpose.value}")
            inside = QVBoxLayout(group)
            text = named(QLabel(), f"notice_{purpose.value}")
            text.setWordWrap(True)
            check = named(QCheckBox(), f"agree_{purpose.value}")
            inside.addWidget(text)
            inside.addWidget(check)
            notices_box.addWidget(group)
            self.noticeBoxes[purpose], self.noticeTexts[purpose], self.agree[purpose] = (
                group,
                text,
                check,
            )
            check.toggled.connect(self._on_consent_changed)
        self.under14 = named(QCheckBox(), "enrolUnder14")
        self.guardian = named(QCheckBox(), "enrolGuardian")
        notices_box.addWidget(self.under14)
        notices_box.addWidget(self.guardian)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        box.addWidget(scroll, 1)
        buttons = QHBoxLayout()
        self.consentBackButton = named(QPushButton(), "enrolConsentBack")
        self.toDetailsButton = named(QPushButton(), "enrolToDetails")
        buttons.addWidget(self.consentBackButton)
        buttons.addStretch(1)
        buttons.addWidget(self.toDetailsButton)
        box.addLayout(buttons)
        self.pages.addWidget(page)
        self.customerLang.currentIndexChanged.connect(lambda _i: self._render_notices())
        self.under14.toggled.connect(self._on_consent_changed)
        self.guardian.toggled.connect(self._on_consent_changed)
        self.consentBackButton.clicked.connect(lambda: self._go(0))
        self.toDetailsButton.clicked.connect(self._show_details)

    def _build_details_page(self) -> None:
        page = QWidget()
        form = QFormLayout(page)
        self.nameInput = named(QLineEdit(), "enrolName")
        self.nameInput.setMaxLength(64)
        self.genderInput = named(QComboBox(), "enrolGender")
        self.birthdayGiven = named(QCheckBox(), "enrolBirthdayGiven")
        self.birthdayInput = named(QDateEdit(), "enrolBirthday")
        self.birthdayInput.setDisplayFormat("yyyy-MM-dd")
        self.birthdayInput.setDate(QDate(1990, 1, 1))
        self.birthdayInput.setEnabled(False)
        birthday_row = QHBoxLayout()
        birthday_row.addWidget(self.birthdayGiven)
        birthday_row.addWidget(self.birthdayInput, 1)
        cats = QWidget()
        cats_box = QHBoxLayout(cats)
        cats_box.setContentsMargins(0, 0, 0, 0)
        self.categoryChecks: dict[str, QCheckBox] = {}
        for code in CATEGORIES:
            check = named(QCheckBox(), f"category_{code}")
            self.categoryChecks[code] = check
            cats_box.addWidget(check)
        self.nameLabel, self.genderLabel = QLabel(), QLabel()
        self.birthdayLabel, self.categoriesLabel = QLabel(), QLabel()
        form.addRow(self.nameLabel, self.nameInput)
        form.addRow(self.genderLabel, self.genderInput)
        form.addRow(self.birthdayLabel, birthday_row)
        form.addRow(self.categoriesLabel, cats)
        self.detailsHint = named(QLabel(), "enrolDetailsHint")
        self.detailsHint.setWordWrap(True)
        form.addRow(self.detailsHint)
        buttons = QHBoxLayout()
        self.detailsBackButton = named(QPushButton(), "enrolDetailsBack")
        self.enrolButton = named(QPushButton(), "enrolSubmit")
        buttons.addWidget(self.detailsBackButton)
        buttons.addStretch(1)
        buttons.addWidget(self.enrolButton)
        form.addRow(buttons)
        self.pages.addWidget(page)
        self.birthdayGiven.toggled.connect(self.birthdayInput.setEnabled)
        self.detailsBackButton.clicked.connect(lambda: self._go(1))
        self.enrolButton.clicked.connect(self._on_enrol)

    def _build_done_page(self) -> None:
        page = QWidget()
        box = QVBoxLayout(page)
        self.doneLabel = named(QLabel(), "enrolDone")
        self.doneLabel.setWordWrap(True)
        self.qrLabel = named(QLabel(), "enrolQr")
        self.qrLabel.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.cardLabel = named(QLabel(), "enrolCard")
        self.cardLabel.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.cardLabel.setStyleSheet("font-size: 20px; font-weight: bold;")
        self.closeButton = named(QPushButton(), "enrolClose")
        box.addWidget(self.doneLabel)
        box.addWidget(self.qrLabel, 1)
        box.addWidget(self.cardLabel)
        box.addWidget(self.closeButton)
        self.pages.addWidget(page)
        self.closeButton.clicked.connect(self._on_close)

    # ------------------------------------------------------------------ language

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)

    def _retranslate(self) -> None:
        self.setWindowTitle(self.tr("Enrol a new member"))
        self.phoneLabel.setText(self.tr("Customer's mobile number (required)"))
        self.phoneInput.setPlaceholderText("13800138000")
        self.checkButton.setText(self.tr("Check"))
        self.useExistingButton.setText(self.tr("Use the existing member"))
        self.toConsentButton.setText(self.tr("Next: consent"))
        self.customerLangLabel.setText(self.tr("Customer's language"))
        titles = {
            P.MEMBERSHIP: self.tr("Membership (required)"),
            P.MARKETING: self.tr("Marketing messages (optional)"),
            P.PERSONALISED: self.tr("Personalised offers (optional)"),
            P.SENSITIVE: self.tr("Sensitive details: birthday (optional, separate)"),
        }
        for purpose, group in self.noticeBoxes.items():
            group.setTitle(titles[purpose])
            self.agree[purpose].setText(
                self.tr("The customer agrees (required)")
                if purpose is P.MEMBERSHIP
                else self.tr("The customer agrees (leave unticked to decline)")
            )
        self.under14.setText(self.tr("The customer is under 14"))
        self.guardian.setText(self.tr("A parent or guardian gives consent for them"))
        self.consentBackButton.setText(self.tr("Back"))
        self.toDetailsButton.setText(self.tr("Next: details"))
        self.nameLabel.setText(self.tr("Name"))
        self.genderLabel.setText(self.tr("Gender"))
        self.birthdayLabel.setText(self.tr("Birthday"))
        self.categoriesLabel.setText(self.tr("Preferred categories"))
        self.birthdayGiven.setText(self.tr("Given"))
        current = self.genderInput.currentIndex()
        self.genderInput.clear()
        self.genderInput.addItem(self.tr("Not given"), None)
        self.genderInput.addItem(self.tr("Female"), Gender.FEMALE)
        self.genderInput.addItem(self.tr("Male"), Gender.MALE)
        self.genderInput.addItem(self.tr("Other"), Gender.OTHER)
        self.genderInput.setCurrentIndex(max(0, current))
        names = {
            "fresh": self.tr("Fresh"),
            "dairy": self.tr("Dairy"),
            "snacks": self.tr("Snacks"),
            "baby": self.tr("Baby"),
            "household": self.tr("Household"),
            "beauty": self.tr("Beauty"),
            "drinks": self.tr("Drinks"),
            "grocery": self.tr("Grocery"),
        }
        for code, check in self.categoryChecks.items():
            check.setText(names[code])
        self.detailsBackButton.setText(self.tr("Back"))
        self.enrolButton.setText(self.tr("Enrol"))
        self.closeButton.setText(self.tr("Done"))
        self._render_notices()
        self._render_step()
        self._render_screen_hint()

    def _render_step(self) -> None:
        steps = [
            self.tr("Step 1 of 4 · Phone number"),
            self.tr("Step 2 of 4 · Consent"),
            self.tr("Step 3 of 4 · Details"),
            self.tr("Step 4 of 4 · Member code"),
        ]
        self.stepLabel.setText(steps[self.pages.currentIndex()])

    def _render_notices(self) -> None:
        lang = self.customerLang.currentData() or "zh_CN"
        for purpose, notice in notices().items():
            self.noticeTexts[purpose].setText(notice.text(lang))
        if self.customerWindow is not None and self.customerWindow.isVisible():
            self._show_on_customer_screen()

    def _go(self, index: int) -> None:
        self.pages.setCurrentIndex(index)
        self.message.show_info("")
        self._render_step()

    # ------------------------------------------------------------------ step 1: phone

    def _on_check(self) -> None:
        try:
            phone = enrolment.normalise_phone(self.phoneInput.text())
        except PosError as error:
            self.message.show_error(self.ctx.error_text(error))
            return
        self.phoneInput.setText(phone)
        self.checkButton.setEnabled(False)
        till = self.ctx.till
        self.ctx.ops.db(enrolment.find_duplicate, till.db, till.cipher, phone).success(
            lambda found: self._on_local_checked(phone, found)
        ).failure(self._on_failed).run()

    def _on_local_checked(self, phone: str, found: Duplicate | None) -> None:
        if found is not None:
            self._offer(found)
            return
        till = self.ctx.till
        self.duplicateLabel.setText(self.tr("Not a member at this till; asking HQ…"))
        self.ctx.ops.net(enrolment.hq_duplicate, till.db, till.secrets, phone).success(
            self._on_hq_checked
        ).failure(self._on_hq_failed).run()

    def _on_hq_checked(self, found: Duplicate | None) -> None:
        self.checkButton.setEnabled(True)
        if found is not None:
            self._offer(found)
            return
        self.duplicateLabel.setText(
            self.tr("No member has this number: you can enrol the customer.")
        )
        self.toConsentButton.setEnabled(True)

    def _on_hq_failed(self, error: PosError) -> None:
        self.checkButton.setEnabled(True)
        self.duplicateLabel.setText(self.ctx.error_text(error))
        self.message.show_warning(self.ctx.error_text(error))
        self.toConsentButton.setEnabled(True)

    def _offer(self, found: Duplicate) -> None:
        self.checkButton.setEnabled(True)
        self.duplicate = found
        where = self.tr("at this till") if found.source == "local" else self.tr("at HQ")
        self.duplicateLabel.setText(
            self.tr("Already a member (%1): %2 %3, card %4")
            .replace("%1", where)
            .replace("%2", found.masked_name)
            .replace("%3", found.masked_phone)
            .replace("%4", found.card_no)
        )
        self.useExistingButton.show()
        self.toConsentButton.setEnabled(False)

    def _on_use_existing(self) -> None:
        if self.duplicate is not None:
            self.memberChosen.emit(self.duplicate.card_no)
        self.accept()

    def _on_failed(self, error: PosError) -> None:
        self.checkButton.setEnabled(True)
        self.enrolButton.setEnabled(True)
        self.message.show_error(self.ctx.error_text(error))

    # ------------------------------------------------------------------ step 2: consent

    def _show_consent(self) -> None:
        self._go(1)
        screen = find_customer_screen(self)
        if screen is not None:
            self.customerWindow = CustomerNoticeWindow(screen)
            self._show_on_customer_screen()
        self._render_screen_hint()
        self._on_consent_changed()

    def _render_screen_hint(self) -> None:
        if self.customerWindow is not None:
            self.screenLabel.setText(self.tr("The notices are shown on the customer's screen."))
        elif self.pages.currentIndex() >= 1:
            self.screenLabel.setText(
                self.tr("Turn the screen to the customer: they read each notice and decide.")
            )

    def _show_on_customer_screen(self) -> None:
        assert self.customerWindow is not None
        lang = self.customerLang.currentData() or "zh_CN"
        title = "会员信息与隐私说明" if lang == "zh_CN" else "Membership and your privacy"
        self.customerWindow.show_notices(title, [n.text(lang) for n in notices().values()])

    def channel(self) -> str:
        return "customer_display" if self.customerWindow is not None else "till_screen"

    def decisions(self) -> dict[ConsentPurpose, bool]:
        return {purpose: check.isChecked() for purpose, check in self.agree.items()}

    def _on_consent_changed(self, *_args: object) -> None:
        self.guardian.setEnabled(self.under14.isChecked())
        ok = self.agree[P.MEMBERSHIP].isChecked() and (
            not self.under14.isChecked() or self.guardian.isChecked()
        )
        self.toDetailsButton.setEnabled(ok)

    # ------------------------------------------------------------------ step 3: details

    def _show_details(self) -> None:
        decisions = self.decisions()
        enabled = {name: decisions[purpose] for name, purpose in FIELD_PURPOSE.items()}
        self.nameInput.setEnabled(enabled["name"])
        self.genderInput.setEnabled(enabled["gender"])
        self.birthdayGiven.setEnabled(enabled["birthday"])
        self.birthdayInput.setEnabled(enabled["birthday"] and self.birthdayGiven.isChecked())
        for check in self.categoryChecks.values():
            check.setEnabled(enabled["categories"])
        if not enabled["gender"]:
            self.genderInput.setCurrentIndex(0)
            for check in self.categoryChecks.values():
                check.setChecked(False)
        if not enabled["birthday"]:
            self.birthdayGiven.setChecked(False)
        skipped = [purpose for purpose in OPTIONAL if not decisions[purpose]]
        self.detailsHint.setText(
            self.tr("Fields greyed out need a consent the customer did not give.")
            if skipped
            else ""
        )
        self._go(2)
        self.nameInput.setFocus()

    def form(self) -> EnrolForm:
        birthday = None
        if self.birthdayGiven.isChecked() and self.birthdayInput.isEnabled():
            birthday = self.birthdayInput.date().toPython()
        return EnrolForm(
            phone=self.phoneInput.text(),
            decisions=self.decisions(),
            name=self.nameInput.text().strip() or None if self.nameInput.isEnabled() else None,
            gender=self.genderInput.currentData() if self.genderInput.isEnabled() else None,
            birthday=birthday,  # type: ignore[arg-type]
            categories=[c for c, check in self.categoryChecks.items() if check.isChecked()],
            under_14=self.under14.isChecked(),
            guardian=self.guardian.isChecked(),
            lang=self.customerLang.currentData() or "zh_CN",
            channel=self.channel(),
        )

    def _on_enrol(self) -> None:
        staff = self.ctx.staff
        if staff is None:
            self.message.show_error(self.ctx.error_text(PosError("staff.login_required")))
            return
        self.enrolButton.setEnabled(False)
        till = self.ctx.till
        self.ctx.ops.db(
            enrolment.enrol,
            till.db,
            till.cipher,
            self.form(),
            staff_id=staff.staff_id,
            staff_role=staff.role,
            now=self.ctx.clock.now(),
        ).success(self._on_enrolled).failure(self._on_failed).run()

    # ------------------------------------------------------------------ step 4: QR

    def _on_enrolled(self, done: Enrolled) -> None:
        self.enrolled = done
        if self.customerWindow is not None:
            self.customerWindow.close()
        pixmap = QPixmap()
        pixmap.loadFromData(member_qr_png(done.qr_text, box_size=8))
        self.qrLabel.setPixmap(pixmap)
        self.cardLabel.setText(done.card_no)
        self.doneLabel.setText(
            self.tr("Enrolled. The customer can scan or photograph this member code.")
        )
        self._go(3)

    def _on_close(self) -> None:
        if self.enrolled is not None:
            self.memberChosen.emit(self.enrolled.card_no)
        self.accept()

    def done(self, result: int) -> None:
        if self.customerWindow is not None:
            self.customerWindow.close()
        super().done(result)
