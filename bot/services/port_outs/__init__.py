"""Port-outs (PRODUCT §4): the numbers each account holds and how it protects them, windows
of consent, incoming port-outs decided by rule or by the account holder, and port-outs the
customer asks for."""

from bot.services.port_outs.batch import Delivery, receive_batch
from bot.services.port_outs.decisions import (
    REJECT_REASONS,
    answer,
    apply_default,
    cancel,
    mark_ported,
)
from bot.services.port_outs.incoming import Incoming, Received, receive
from bot.services.port_outs.inventory import (
    InventoryChange,
    account_of,
    account_of_request,
    add_numbers,
    hold_ported,
    numbers_of_account,
    remove_numbers,
)
from bot.services.port_outs.protection import lock, set_pin, unlock
from bot.services.port_outs.records import events_of, load_port_out
from bot.services.port_outs.requests import Requested, request_port_out
from bot.services.port_outs.windows import open_window, open_windows, revoke_window

__all__ = [
    "REJECT_REASONS",
    "Delivery",
    "Incoming",
    "InventoryChange",
    "Received",
    "Requested",
    "account_of",
    "account_of_request",
    "add_numbers",
    "answer",
    "apply_default",
    "cancel",
    "events_of",
    "hold_ported",
    "load_port_out",
    "lock",
    "mark_ported",
    "numbers_of_account",
    "open_window",
    "open_windows",
    "receive",
    "receive_batch",
    "remove_numbers",
    "request_port_out",
    "revoke_window",
    "set_pin",
    "unlock",
]
