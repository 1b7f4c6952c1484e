"""Asking for the storage passphrase in the window when the OS offers no keyring.

`PassphraseDialog` creates a passphrase (typed twice, checked with the same
`passphrase_problem` the terminal prompt uses) or unlocks the one the sessions were saved with.
A wrong passphrase is said in the dialog, which stays open; "Not now" keeps the session in
memory only, as before. `ask_data_key` decides whether a dialog is needed at all: with a
keyring, or `PARLEY_PASSPHRASE` set, the key is loaded without asking.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.privacy.errors import KeyUnavailableError, PrivacyError
from desktop.privacy.keys import (
    KEY_FILE,
    PASSPHRASE_ENV,
    PASSPHRASES_DIFFER,
    DataKey,
    env_secret,
    keyring_backend,
    load_or_create_key,
    passphrase_problem,
)
from desktop.ui.i18n import tr

log = logging.getLogger(__name__)

# (passphrase) -> the key; raises PrivacyError (a wrong passphrase says so).
KeyOpener = Callable[[str], DataKey]


class PassphraseDialog(QDialog):
    """Create (`creating=True`) or unlock the passphrase that wraps the data key.

    Args:
        creating: a new store (typed twice, strength-checked) or an existing one.
        opener: turns the passphrase into the key (the real `load_or_create_key` by default).
    """

    def __init__(
        self,
        *,
        creating: bool,
        opener: KeyOpener | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.creating = creating
        self.key: DataKey | None = None
        self._opener = opener or _open_with
        self.setWindowTitle(tr("Protect your sessions") if creating else tr("Unlock your sessions"))
        self.setModal(True)
        intro = QLabel(
            tr(
                "Parley encrypts every call it keeps. This computer has no keyring to hold the "
                "key, so choose a passphrase; you will type it when Parley starts."
            )
            if creating
            else tr(
                "Your sessions are protected by a passphrase. Type it to keep this session "
                "with the others."
            )
        )
        intro.setWordWrap(True)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat = QLineEdit()
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        self.note = QLabel()
        self.note.setWordWrap(True)
        form = QFormLayout()
        form.addRow(tr("Passphrase"), self.passphrase)
        if creating:
            form.addRow(tr("Repeat it"), self.repeat)
        else:
            self.repeat.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.skip_button = QPushButton(tr("Not now (keep sessions in memory only)"))
        self.buttons.addButton(self.skip_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.note)
        layout.addWidget(self.buttons)
        self.passphrase.textChanged.connect(self._check)
        self.repeat.textChanged.connect(self._check)
        self._check()

    def problem(self) -> str | None:
        """What stops the passphrase typed so far (a sentence in the UI language), or None."""
        phrase = self.passphrase.text()
        if not self.creating:
            return None if phrase else ""
        found = passphrase_problem(phrase)
        if found is not None:
            return tr(found) if phrase else ""
        if self.repeat.text() != phrase:
            return tr(PASSPHRASES_DIFFER) if self.repeat.text() else ""
        return None

    def _check(self) -> None:
        problem = self.problem()
        self.ok_button.setEnabled(problem is None)
        if problem is None and self.creating:
            self._say(tr("A strong passphrase."), error=False)
        else:
            self._say(problem or "", error=True)

    def _say(self, text: str, *, error: bool) -> None:
        self.note.setStyleSheet("color:#8a1f17;" if error else "color:#1b6e2a;")
        self.note.setText(text)

    def submit(self) -> None:
        """Open (or create) the key with the passphrase; stay open and say why on failure."""
        if self.problem() is not None:
            return
        try:
            self.key = self._opener(self.passphrase.text())
        except PrivacyError as e:
            self._say(str(e), error=True)
            self.passphrase.selectAll()
            self.passphrase.setFocus()
            return
        self.accept()


def _open_with(passphrase: str) -> DataKey:
    return load_or_create_key(passphrase=passphrase, interactive=False)


def needs_dialog(directory: Path | None = None, *, backend: Any = None) -> bool | None:
    """Whether the app must ask: None = no (a keyring or PARLEY_PASSPHRASE does the work);
    True = create a passphrase; False = unlock the existing one."""
    if env_secret(PASSPHRASE_ENV):  # given in the environment (scrubbed from it at start)
        return None
    from models.paths import data_dir

    path = (directory or data_dir()) / KEY_FILE
    if path.exists():
        try:
            import json

            source = json.loads(path.read_text(encoding="utf-8")).get("source")
        except (OSError, ValueError, AttributeError):
            return None  # a damaged key file: the session start reports it
        return False if source == "passphrase" else None
    ring = backend if backend is not None else keyring_backend()
    return True if ring is None else None


def ask_data_key(parent: QWidget | None = None) -> DataKey | None:
    """The data key for a stored session, asking in a dialog when nothing else can give it.

    None when the user chose "Not now" or the key comes from elsewhere (the session start then
    loads it from the keyring or `PARLEY_PASSPHRASE` as it always has).
    """
    try:
        mode = needs_dialog()
    except (OSError, KeyUnavailableError):
        log.debug("could not tell how the key is kept", exc_info=True)
        return None
    if mode is None:
        return None
    dialog = PassphraseDialog(creating=mode, parent=parent)
    dialog.exec()
    key = dialog.key
    dialog.deleteLater()
    return key
