"""The porting rules the product enforces and tells people about, each written once.

The lifecycle, validation, the reminder policy and every message that names one of these
numbers read them from here, so a rule and the words that explain it cannot drift apart.
Sources: PRODUCT §2 and §3 (carriers' published porting requirements).
"""

from __future__ import annotations

from typing import Final

CANCEL_NOTICE_BUSINESS_DAYS: Final = 2
"""A cancellation must reach the carriers this many business days before the port (FOC) date."""

DOCUMENT_MAX_AGE_DAYS: Final = 30
"""Carriers refuse a bill or a signed LOA older than this many days when the port is submitted."""

DOCUMENT_AGING_NOTICE_DAYS: Final = 25
"""The customer is warned when a document on file turns this many days old."""

EXPIRY_DAYS: Final = 30
"""A draft (from creation) or an unsigned request (from sending the LOA) closes after this many
calendar days."""

LOA_LINK_MAX_DAYS: Final = DOCUMENT_MAX_AGE_DAYS
"""A signing link may live at most as long as carriers accept the signature it collects."""

PORT_OUT_WINDOW_MAX_DAYS: Final = 30
"""A port-out window lasts at most this many days: consent is given for a move, not for good."""

PORT_OUT_PIN_DIGITS: Final = (4, 10)
"""A port-out PIN has this many digits, fewest and most (what carriers' requests carry)."""

PORT_OUT_UNLOCK_HOURS: Final = 24
"""By default, unlocking numbers takes effect this many hours after it is asked for, so that
someone who took over the account cannot unlock and port out at once."""

PORT_OUT_DEADLINE_BUSINESS_DAYS: Final = 1
"""By default, a port-out nobody decided gets the default decision after this many business
days (simple ports complete within one business day)."""
