"""First-run wizard of an installed till: language, HQ address, store and pairing, printer and
scanner checks. Shown by app.py while the till is not set up (services/first_run.py).

Every network call (HQ health, pairing, a test receipt on a network printer) runs on the
operations' network worker; the GUI thread never waits. The device token from pairing goes to
the secret store only (services/pairing.py); nothing here displays it.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from posclient.bootstrap import Till
from posclient.domain import codes
from posclient.domain.errors import PosError
from posclient.i18n import message
from posclient.security.masking import mask_phone
from posclient.services import first_run, pairing, settings
from posclient.services.sync import ClientFactory, default_client

from .format import named
from .message_line import MessageLine
from .operations import Operations
from .translation import LANGUAGES, Translations

TEST_RECEIPT_LINES = ["posclient", "测试小票 / test receipt", "------------------------", "OK", ""]


def print_test_receipt(spec: str) -> None:
    """Send a short test receipt to the ESC/POS printer ``spec`` (network worker)."""
    from .escpos_printer import print_receipt

    print_receipt(spec, TEST_RECEIPT_LINES)


class _Field(QLineEdit):
    """A line edit that keeps its Enter: a scanner's Enter suffix must not press the wizard's
    default button (Next / Finish), only run this field's action (returnPressed)."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        super().keyPressEvent(event)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()


class _Page(QWizardPage):
    """A page that retranslates itself when the language changes."""

    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.layout_ = QVBoxLayout(self)
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.layout_.addWidget(self.intro)

        self.message = MessageLine(self, name=f"{type(self).__name__}Message")
        self.message.setWordWrap(True)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
            self.message.say_again()
        super().changeEvent(event)

    def retranslate(self) -> None:  # pragma: no cover - every page overrides it
        raise NotImplementedError

    def error(self, exc: PosError) -> None:
        self.message.say("error", lambda: message(exc, self.wiz.lang))


class LanguagePage(_Page):
    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__(wizard)
        self.setObjectName("firstRunLanguage")
        self.combo = named(QComboBox(), "firstRunLanguageChoice")
        for code, name in LANGUAGES.items():
            self.combo.addItem(name, code)
        self.combo.setCurrentIndex(max(0, self.combo.findData(wizard.lang)))
        self.combo.currentIndexChanged.connect(self._switch)
        self.label = QLabel()
        self.label.setBuddy(self.combo)
        form = QFormLayout()
        form.addRow(self.label, self.combo)
        self.layout_.addLayout(form)
        self.layout_.addStretch(1)
        self.retranslate()

    def _switch(self) -> None:
        self.wiz.switch_language(str(self.combo.currentData()))

    def retranslate(self) -> None:
        self.setTitle(self.tr("Welcome"))
        self.intro.setText(
            self.tr(
                "This till is not set up yet. These steps connect it to head office (HQ) "
                "and check the printer and the scanner. Choose the language first."
            )
        )
        self.label.setText(self.tr("Language"))


class HqPage(_Page):
    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__(wizard)
        self.setObjectName("firstRunHq")
        self.urlInput = named(_Field(wizard.current.get("hq_url", "")), "firstRunHqUrl")
        self.urlInput.textChanged.connect(self.completeChanged)
        self.checkButton = named(QPushButton(), "firstRunHqCheck")
        self.checkButton.clicked.connect(self.check)
        self.urlInput.returnPressed.connect(self.check)
        self.label = QLabel()
        self.label.setBuddy(self.urlInput)
        form = QFormLayout()
        form.addRow(self.label, self.urlInput)
        form.addRow("", self.checkButton)
        self.layout_.addLayout(form)
        self.layout_.addWidget(self.message)
        self.layout_.addStretch(1)
        self.checked_url = ""
        self.retranslate()

    def current_url(self) -> str:
        return self.urlInput.text().strip().rstrip("/")

    def check(self) -> None:
        try:
            url = first_run.normalise_url(self.urlInput.text())
        except PosError as exc:
            self.error(exc)
            return
        self.checkButton.setEnabled(False)
        self.message.say("info", lambda: self.tr("Checking…"))
        self.wiz.ops.net(first_run.check_hq, url, client_factory=self.wiz.client_factory).success(
            lambda health: self._checked(url, health)
        ).failure(self._failed).run()

    def _checked(self, url: str, health: Any) -> None:
        self.checkButton.setEnabled(True)
        self.checked_url = url
        self.message.say(
            "info",
            lambda: (
                self.tr("HQ reachable: chain %1, version %2")
                .replace("%1", str(health.chain))
                .replace("%2", str(health.version))
            ),
        )
        self.completeChanged.emit()

    def _failed(self, exc: PosError) -> None:
        self.checkButton.setEnabled(True)
        self.checked_url = ""
        self.error(exc)
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return bool(self.checked_url) and self.checked_url == self.current_url()

    def retranslate(self) -> None:
        self.setTitle(self.tr("Head office (HQ)"))
        self.intro.setText(
            self.tr("Type the HQ address your administrator gave you, then check it.")
        )
        self.label.setText(self.tr("HQ address"))
        self.urlInput.setPlaceholderText("https://hq.example.com")
        self.checkButton.setText(self.tr("Check connection"))


class PairPage(_Page):
    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__(wizard)
        self.setObjectName("firstRunPair")
        self.storeInput = named(_Field(), "firstRunStore")
        self.codeInput = named(_Field(), "firstRunPairingCode")
        self.pairButton = named(QPushButton(), "firstRunPair")
        self.pairButton.clicked.connect(self.pair)
        self.codeInput.returnPressed.connect(self.pair)
        self.storeLabel, self.codeLabel = QLabel(), QLabel()
        self.storeLabel.setBuddy(self.storeInput)
        self.codeLabel.setBuddy(self.codeInput)
        form = QFormLayout()
        form.addRow(self.storeLabel, self.storeInput)
        form.addRow(self.codeLabel, self.codeInput)
        form.addRow("", self.pairButton)
        self.layout_.addLayout(form)
        self.layout_.addWidget(self.message)
        self.layout_.addStretch(1)
        self.paired: pairing.Paired | None = None
        self.retranslate()

    def pair(self) -> None:
        try:
            store = first_run.normalise_store(self.storeInput.text())
        except PosError as exc:
            self.error(exc)
            return
        code = self.codeInput.text().strip()
        if not code:
            self.message.say("error", lambda: self.tr("Type the pairing code"))
            return
        self.pairButton.setEnabled(False)
        self.message.say("info", lambda: self.tr("Pairing…"))
        till = self.wiz.till
        self.wiz.ops.net(
            pairing.pair,
            till.db,
            till.secrets,
            code=code,
            hq_url=self.wiz.hqPage.checked_url,
            client_factory=self.wiz.client_factory,
        ).success(lambda paired: self._paired(store, paired)).failure(self._failed).run()

    def _paired(self, typed: str, paired: pairing.Paired) -> None:
        self.paired = paired
        self.codeInput.clear()
        self.codeInput.setEnabled(False)
        self.storeInput.setText(paired.store)
        if paired.store != typed:
            mismatch = PosError("setup.store_mismatch", paired=paired.store, typed=typed)
            self.message.say("warning", lambda: message(mismatch, self.wiz.lang))
        else:
            self.message.say(
                "info",
                lambda: (
                    self.tr("Paired: this till is device %1 of store %2")
                    .replace("%1", str(paired.device_no))
                    .replace("%2", paired.store)
                ),
            )
        self.completeChanged.emit()

    def _failed(self, exc: PosError) -> None:
        self.pairButton.setEnabled(True)
        self.error(exc)

    def isComplete(self) -> bool:
        return self.paired is not None

    def retranslate(self) -> None:
        self.setTitle(self.tr("Store and pairing"))
        self.intro.setText(
            self.tr(
                "Type this store's code and the one-time pairing code from HQ. The till "
                "keeps the key it receives in the system's secret store."
            )
        )
        self.storeLabel.setText(self.tr("Store code"))
        self.codeLabel.setText(self.tr("Pairing code"))
        self.storeInput.setPlaceholderText("S001")
        self.pairButton.setText(self.tr("Pair with HQ"))


class PrinterPage(_Page):
    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__(wizard)
        self.setObjectName("firstRunPrinter")
        self.escposInput = named(_Field(wizard.current.get("escpos", "")), "firstRunEscpos")
        self.testButton = named(QPushButton(), "firstRunPrintTest")
        self.testButton.clicked.connect(self.print_test)
        self.label = QLabel()
        self.label.setBuddy(self.escposInput)
        form = QFormLayout()
        form.addRow(self.label, self.escposInput)
        form.addRow("", self.testButton)
        self.layout_.addLayout(form)
        self.layout_.addWidget(self.message)
        self.layout_.addStretch(1)
        self.printed = False
        self.retranslate()

    def print_test(self) -> None:
        spec = self.escposInput.text().strip()
        if not spec:
            self.message.say(
                "warning", lambda: self.tr("No printer set: receipts can be saved as PDF")
            )
            return
        self.testButton.setEnabled(False)
        self.wiz.ops.net(print_test_receipt, spec).success(self._printed).failure(
            self._failed
        ).run()

    def _printed(self, _result: object) -> None:
        self.testButton.setEnabled(True)
        self.printed = True
        self.message.say("info", lambda: self.tr("Test receipt sent: check that it printed"))

    def _failed(self, exc: PosError) -> None:
        self.testButton.setEnabled(True)
        self.printed = False
        self.error(exc)

    def retranslate(self) -> None:
        self.setTitle(self.tr("Receipt printer"))
        self.intro.setText(
            self.tr("Set the receipt printer and print a test receipt, or leave it for later.")
        )
        self.label.setText(self.tr("Printer (ESC/POS)"))
        self.escposInput.setPlaceholderText(
            self.tr("usb:04b8:0202, network:192.168.1.50 or file:/dev/usb/lp0; empty for none")
        )
        self.testButton.setText(self.tr("Print test receipt"))


class ScannerPage(_Page):
    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__(wizard)
        self.setObjectName("firstRunScanner")
        self.scanInput = named(_Field(), "firstRunScan")
        self.scanInput.returnPressed.connect(self.decode)
        self.label = QLabel()
        self.label.setBuddy(self.scanInput)
        form = QFormLayout()
        form.addRow(self.label, self.scanInput)
        self.layout_.addLayout(form)
        self.result = named(QLabel(), "firstRunScanResult")
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.layout_.addWidget(self.result)
        self.layout_.addWidget(self.message)
        self.layout_.addStretch(1)
        self.last_code: object | None = None
        self.retranslate()

    def initializePage(self) -> None:
        self.scanInput.setFocus()

    def decode(self) -> None:
        raw = self.scanInput.text()
        self.scanInput.clear()
        values = self.wiz.current
        try:
            code = codes.parse_scan(
                raw,
                chain=values.get("chain", "DEMO"),
                card_prefix=values.get("card_prefix", codes.DEFAULT_CARD_PREFIX),
            )
        except PosError as exc:
            self.last_code = None
            self.result.setText(raw.strip())
            self.error(exc)
            return
        self.last_code = code
        self.result.setText(self._describe(code))
        self.message.say("info", lambda: self.tr("Scanner works"))

    def _describe(self, code: object) -> str:
        if isinstance(code, codes.CardCode):
            return self.tr("Member card: %1").replace("%1", code.card_no)
        if isinstance(code, codes.PhoneNumber):
            return self.tr("Phone number: %1").replace("%1", mask_phone(code.digits))
        if isinstance(code, codes.ProductCode):
            return self.tr("Product code: %1").replace("%1", code.value)
        if isinstance(code, codes.StaticQrCode):
            return self.tr("Member QR code: card %1").replace("%1", code.card_no)
        return self.tr("Member dynamic QR code")

    def retranslate(self) -> None:
        self.setTitle(self.tr("Scanner"))
        self.intro.setText(
            self.tr(
                "Scan any barcode or member code (or type one and press Enter): the till "
                "shows what it read."
            )
        )
        self.label.setText(self.tr("Test scan"))
        if self.last_code is not None:
            self.result.setText(self._describe(self.last_code))


class FirstRunWizard(QWizard):
    """The pages in order; ``accept()`` saves the choices, then closes."""

    def __init__(
        self,
        till: Till,
        ops: Operations,
        translations: Translations,
        *,
        client_factory: ClientFactory = default_client,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("firstRunWizard")
        self.till = till
        self.ops = ops
        self.translations = translations
        self.client_factory = client_factory
        with till.db.read() as session:
            self.current = settings.all_settings(session)
        self.lang = translations.switch(self.current.get("lang"))
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setMinimumSize(720, 460)
        self.languagePage = LanguagePage(self)
        self.hqPage = HqPage(self)
        self.pairPage = PairPage(self)
        self.printerPage = PrinterPage(self)
        self.scannerPage = ScannerPage(self)
        for page in (
            self.languagePage,
            self.hqPage,
            self.pairPage,
            self.printerPage,
            self.scannerPage,
        ):
            self.addPage(page)
        self.saved = False
        self._retranslate()

    def switch_language(self, lang: str) -> None:
        self.lang = self.translations.switch(lang)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)

    def _retranslate(self) -> None:
        self.setWindowTitle(self.tr("Set up this till"))
        buttons = QWizard.WizardButton
        self.setButtonText(buttons.BackButton, self.tr("< Back"))
        self.setButtonText(buttons.NextButton, self.tr("Next >"))
        self.setButtonText(buttons.FinishButton, self.tr("Finish"))
        self.setButtonText(buttons.CancelButton, self.tr("Cancel"))

    def values(self) -> dict[str, str]:
        return {
            "lang": self.lang,
            "escpos": self.printerPage.escposInput.text().strip(),
            "store": self.pairPage.storeInput.text().strip() or self.current.get("store", ""),
        }

    def accept(self) -> None:
        if self.saved:
            super().accept()
            return
        self.button(QWizard.WizardButton.FinishButton).setEnabled(False)
        self.ops.db(self._finish, self.values()).success(self._saved).failure(self._failed).run()

    def _finish(self, values: dict[str, str]) -> None:  # database worker
        first_run.finish(self.till.db, values)
        self.till.checkout.reload_till()

    def _saved(self, _result: object) -> None:
        self.saved = True
        self.accept()

    def _failed(self, exc: PosError) -> None:
        self.button(QWizard.WizardButton.FinishButton).setEnabled(True)
        self.scannerPage.error(exc)


def run_if_needed(till: Till, translations: Translations, *, marker: str | None = None) -> bool:
    """Show the wizard (modal) when the till is not set up; False when the person cancelled.

    ``marker`` (POSCLIENT_READY_MARKER): print ``posclient-first-run`` once it shows; "exit"
    also cancels it straight away (start-up tests).
    """
    if not first_run.needs_setup(till.db):
        return True
    from PySide6.QtCore import QTimer

    ops = Operations()
    wizard = FirstRunWizard(till, ops, translations)
    ops.setParent(wizard)
    if marker:

        def announce() -> None:
            print("posclient-first-run", flush=True)
            if marker == "exit":
                wizard.reject()

        QTimer.singleShot(0, announce)
    accepted = wizard.exec() == QWizard.DialogCode.Accepted
    ops.close()
    return accepted
