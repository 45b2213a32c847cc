"""Qt translations of the screens (resources/i18n/*.qm), switched at run time."""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QEvent, QLocale, QTranslator

from posclient.i18n import normalise_lang
from posclient.resources import resource

log = logging.getLogger("posclient.ui")

LANGUAGES = {"zh_CN": "简体中文", "en": "English"}


class Translations:
    """Installs the translator for one language; every widget then gets a LanguageChange."""

    def __init__(self) -> None:
        self.lang = ""
        self._translator: QTranslator | None = None

    def switch(self, lang: str | None) -> str:
        lang = normalise_lang(lang)
        if lang == self.lang:
            return lang
        app = QCoreApplication.instance()
        assert app is not None
        translator = QTranslator(app)
        path = resource("i18n", f"posclient_{lang}.qm")
        if not translator.load(str(path)):
            log.warning("translation file not loaded", extra={"lang": lang})
        if self._translator is not None:
            app.removeTranslator(self._translator)
            self._translator.deleteLater()
        app.installTranslator(translator)
        self._translator = translator
        self.lang = lang  # before the announcement: texts from posclient.i18n follow it too
        # Qt only announces a new translator while the event loop runs; say it ourselves so
        # a switch before app.exec() (start-up, tests) retranslates too. Twice is harmless.
        QCoreApplication.sendEvent(app, QEvent(QEvent.Type.LanguageChange))
        language = QLocale.Language.Chinese if lang == "zh_CN" else QLocale.Language.English
        QLocale.setDefault(QLocale(language))
        return lang
