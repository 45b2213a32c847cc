"""What every screen of one till window shares: the till, the workers, language, staff."""

from __future__ import annotations

from dataclasses import dataclass, field

from posclient.bootstrap import Till
from posclient.domain.errors import PosError
from posclient.i18n import message
from posclient.services.clock import Clock
from posclient.services.staff import StaffMember
from posclient.services.status import TillStatus

from .operations import Operations
from .translation import Translations


@dataclass
class Context:
    till: Till
    ops: Operations
    translations: Translations
    #: The till's settings (meta table) as last read; the settings dialog updates it.
    settings: dict[str, str] = field(default_factory=dict)
    staff: StaffMember | None = None
    status: TillStatus | None = None

    @property
    def lang(self) -> str:
        return self.translations.lang or "zh_CN"

    @property
    def clock(self) -> Clock:
        return self.till.clock

    @property
    def online(self) -> bool:
        return bool(self.status and self.status.online)

    def error_text(self, error: PosError) -> str:
        return message(error, self.lang)
