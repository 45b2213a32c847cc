"""Member screens reached from the main window (issue 7): enrol, profile, audit log.

Keys: Ctrl+N enrol a new member, Ctrl+I the profile of the member on the checkout screen (or
look one up by phone or card), Ctrl+Shift+A the audit log (managers). F2/F3/F6 were already taken
by the checkout screen (member, quantity, camera), so these use Ctrl combinations, which a
keyboard wedge scanner never sends. Not Ctrl+A/E/U: on X11 a focused line edit (the scan field,
nearly always) claims those (select all, end of line, delete line) and the window never sees
them — tests/ui/test_x11_keys.py checks every window key under a real X server.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QInputDialog, QPushButton

from posclient.domain.errors import PosError
from posclient.services import staff as staff_service
from posclient.services.members import MemberView

from .format import named, with_key

if TYPE_CHECKING:
    from .audit_dialog import AuditDialog
    from .enrol_dialog import EnrolDialog
    from .profile_dialog import ProfileDialog
    from .window import MainWindow

ENROL_KEY, PROFILE_KEY, AUDIT_KEY = "Ctrl+N", "Ctrl+I", "Ctrl+Shift+A"


class MemberActions(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.ctx = window.ctx
        self.enrolDialog: EnrolDialog | None = None
        self.profileDialog: ProfileDialog | None = None
        self.auditDialog: AuditDialog | None = None
        self.lookupDialog: QInputDialog | None = None
        bar = window.statusBar()
        self.enrolButton = named(QPushButton(), "enrolButton")
        self.profileButton = named(QPushButton(), "profileButton")
        self.auditButton = named(QPushButton(), "auditButton")
        for index, (button, key, slot) in enumerate(
            (
                (self.enrolButton, ENROL_KEY, self.open_enrol),
                (self.profileButton, PROFILE_KEY, self.open_profile),
                (self.auditButton, AUDIT_KEY, self.open_audit),
            )
        ):
            button.setProperty("small", True)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            bar.insertWidget(3 + index, button)
            button.clicked.connect(slot)
            QShortcut(QKeySequence(key), window).activated.connect(slot)
        self.retranslate()

    def retranslate(self) -> None:
        self.enrolButton.setText(with_key(self.tr("New member"), ENROL_KEY))
        self.profileButton.setText(with_key(self.tr("Profile"), PROFILE_KEY))
        self.auditButton.setText(with_key(self.tr("Audit log"), AUDIT_KEY))
        self.render_staff()

    def render_staff(self) -> None:
        staff = self.ctx.staff
        self.enrolButton.setVisible(staff is not None)
        self.profileButton.setVisible(staff is not None)
        self.auditButton.setVisible(staff is not None and staff.can("audit"))

    def _allowed(self, action: str) -> bool:
        try:
            staff_service.require(self.ctx.staff, action)
        except PosError as error:
            self.window._on_pos_error(error)
            return False
        return True

    # ------------------------------------------------------------------ enrol

    def open_enrol(self) -> None:
        if not self._allowed("enrol"):
            return
        from .enrol_dialog import EnrolDialog

        dialog = EnrolDialog(self.ctx, self.window)
        dialog.memberChosen.connect(self.window.checkoutPage.scan)
        dialog.finished.connect(lambda _result: self.window.outbox_changed())  # an enrolment
        self.enrolDialog = dialog
        dialog.open()

    # ------------------------------------------------------------------ profile

    def open_profile(self) -> None:
        if not self._allowed("sell"):
            return
        state = getattr(self.window.checkoutPage, "state", None)
        member = getattr(state, "member", None)
        if isinstance(member, MemberView) and not member.provisional:
            self.show_profile(member.member_id)
            return
        dialog = QInputDialog(self.window)
        dialog.setObjectName("profileLookup")
        dialog.setWindowTitle(self.tr("Member profile"))
        dialog.setLabelText(self.tr("Phone number or member card"))
        dialog.textValueSelected.connect(self._lookup)
        self.lookupDialog = dialog
        dialog.open()

    def _lookup(self, text: str) -> None:
        self.ctx.ops.db(self.ctx.till.checkout.identify, text).success(self._on_found).run()

    def _on_found(self, member: MemberView) -> None:
        if member.provisional:
            self.window._on_pos_error(PosError("member.gone"))
            return
        self.show_profile(member.member_id)

    def show_profile(self, member_id: str) -> None:
        from .profile_dialog import ProfileDialog

        dialog = ProfileDialog(self.ctx, member_id, self.window)
        dialog.changed.connect(self.window.outbox_changed)
        self.profileDialog = dialog
        dialog.open()

    # ------------------------------------------------------------------ audit

    def open_audit(self) -> None:
        if not self._allowed("audit"):
            return
        from .audit_dialog import AuditDialog

        dialog = AuditDialog(self.ctx, self.window)
        self.auditDialog = dialog
        dialog.open()
