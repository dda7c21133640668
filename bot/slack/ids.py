"""Every Slack identifier portbot uses, in one place (kebab-case, namespaced ``port-``).

Builders default to these, listeners register them, and a test checks that ``manifest.yml``
declares what the code handles and nothing else.
"""

from __future__ import annotations

from enum import StrEnum

from bot.porting.countries.model import Document
from bot.porting.fields import F

COMMAND = "/port"
VALUE = "value"  # the action_id of every input element: blocks carry the meaning


class View(StrEnum):
    """``callback_id`` of each modal."""

    NEW_AGREEMENT = "port-new-agreement"
    NEW_NUMBERS = "port-new-numbers"
    NEW_CONTACT = "port-new-contact"
    NEW_BILL = "port-new-bill"
    NEW_DONE = "port-new-done"
    NEW_RESUME = "port-new-resume"  # "continue your draft, or start over?"
    FOC = "port-foc"
    REJECT = "port-reject"
    COMPLETE = "port-complete"
    NOTE = "port-note"
    CANCEL = "port-cancel"
    LOADING = "port-loading"
    PORTOUT_WINDOW = "port-portout-window"
    PORTOUT_PIN = "port-portout-pin"
    PORTOUT_REQUEST = "port-portout-request"
    PORTOUT_REJECT = "port-portout-reject"
    TRANSFER = "port-transfer"
    ADD_DOCUMENTS = "port-add-documents"


class Block(StrEnum):
    """``block_id`` of each input; validation errors are keyed by these."""

    AGREEMENTS = "port-new-agreements"
    LANDLINES = "port-new-landlines"
    WIRELESS = "port-new-wireless"
    LOSING_CARRIER = "port-new-losing-carrier"
    ACCOUNT_NUMBER = "port-new-account-number"
    BTN = "port-new-btn"
    PIN = "port-new-pin"
    NAME = "port-new-name"
    ACCOUNT_TYPE = "port-new-account-type"
    COMPANY_NAME = "port-new-company-name"
    REP_NAME = "port-new-rep-name"
    REP_EMAIL = "port-new-rep-email"
    STREET = "port-new-street"
    STREET2 = "port-new-street2"
    CITY = "port-new-city"
    REGION = "port-new-region"
    POSTAL_CODE = "port-new-postal-code"
    COUNTRY = "port-new-country"
    DESIRED_DATE = "port-new-desired-date"
    BILL = "port-new-bill"
    BILL_ISSUED_ON = "port-new-bill-issued-on"
    BILL_LATER = "port-new-bill-later"
    DOC_CSR = "port-doc-csr"
    DOC_PROOF_OF_ADDRESS = "port-doc-proof-of-address"
    DOC_COMPANY_REGISTRATION = "port-doc-company-registration"
    DOC_SIGNER_ID = "port-doc-signer-id"
    DOC_POWER_OF_ATTORNEY = "port-doc-power-of-attorney"

    FOC_DATE = "port-foc-date"
    FOC_WINDOW_START = "port-foc-window-start"
    FOC_WINDOW_END = "port-foc-window-end"
    FOC_NUMBERS = "port-foc-numbers"
    REJECT_CODES = "port-reject-codes"
    REJECT_NUMBERS = "port-reject-numbers"
    REJECT_NOTE = "port-reject-note"
    COMPLETE_NUMBERS = "port-complete-numbers"
    NOTE_TEXT = "port-note-text"
    NOTE_PUBLIC = "port-note-public"
    CANCEL_REASON = "port-cancel-reason"

    PORTOUT_NUMBERS = "port-portout-numbers"
    PORTOUT_STARTS_AT = "port-portout-starts-at"
    PORTOUT_ENDS_AT = "port-portout-ends-at"
    PORTOUT_CARRIER = "port-portout-carrier"
    PORTOUT_PIN = "port-portout-pin"
    PORTOUT_PIN_AGAIN = "port-portout-pin-again"
    PORTOUT_WISHED_DATE = "port-portout-wished-date"
    PORTOUT_REASON = "port-portout-reason"
    PORTOUT_REASON_TEXT = "port-portout-reason-text"

    TRANSFER_NUMBERS = "port-transfer-numbers"
    TRANSFER_SOURCE = "port-transfer-source"
    TRANSFER_DESTINATION = "port-transfer-destination"


# Intake field -> the block where its message shows.
INTAKE_BLOCKS: dict[F, Block] = {f: Block[f.name] for f in F}

# A document the country table asks for -> the file input that collects it (step 4 of the
# intake and the "Add documents" modal). The LOA is signed, the bill has its field (F.BILL).
DOCUMENT_BLOCKS: dict[Document, Block] = {
    Document.CSR: Block.DOC_CSR,
    Document.PROOF_OF_ADDRESS: Block.DOC_PROOF_OF_ADDRESS,
    Document.COMPANY_REGISTRATION: Block.DOC_COMPANY_REGISTRATION,
    Document.SIGNER_ID: Block.DOC_SIGNER_ID,
    Document.POWER_OF_ATTORNEY: Block.DOC_POWER_OF_ATTORNEY,
}


class Action(StrEnum):
    """``action_id`` of buttons on cards, messages and the App Home."""

    STATUS = "port-status"
    SUBMIT = "port-submit"
    FOC = "port-foc"
    REJECT = "port-reject"
    COMPLETE = "port-complete"
    NOTE = "port-note"
    CANCEL = "port-cancel"
    CONFIRM_CANCEL = "port-confirm-cancel"
    NEW = "port-new"
    RESUME = "port-resume"
    NEW_BACK = "port-new-back"  # the intake form's previous step
    NEW_CONTINUE = "port-new-continue"  # reopen a kept intake draft where it stopped
    NEW_START_OVER = "port-new-start-over"  # drop a kept intake draft and begin again
    RESEND_LOA = "port-resend-loa"
    PORTOUT_APPROVE = "port-portout-approve"
    PORTOUT_REJECT_OPEN = "port-portout-reject-open"
    PORTOUT_REVOKE = "port-portout-revoke"
    PORTOUT_PORTED = "port-portout-ported"
    PORTOUT_CANCEL = "port-portout-cancel"
    LIST_PREVIOUS = "port-list-previous"
    LIST_NEXT = "port-list-next"
    LIST_STATUS = "port-list-status"
    LIST_CARRIER = "port-list-carrier"
    EXPORT_CSV = "port-export-csv"
    TRANSFER_COMPLETE = "port-transfer-complete"
    TRANSFER_CANCEL = "port-transfer-cancel"
    QUOTE_ACCEPT = "port-quote-accept"
    QUOTE_DECLINE = "port-quote-decline"
    ADD_DOCUMENTS = "port-add-documents"


class Event(StrEnum):
    """Events API types the app subscribes to."""

    APP_HOME_OPENED = "app_home_opened"
    MESSAGE = "message"
