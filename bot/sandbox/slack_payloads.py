"""What Slack puts in the payloads it sends an app: view-state entries and event bodies.

The ``plain_text_input()``, ``checkboxes()``, ... helpers build state entries exactly as Slack
puts them in ``view_submission`` payloads; ``message_event()`` and ``app_home_opened_event()``
build Events API ``event`` bodies. ``_build_state()`` does what the Slack client does around a
modal: it builds ``view.state.values`` from the view's input blocks (initial values, required
fields); ``_find_element()`` and ``_action()`` shape a ``block_actions`` action.

``bot.sandbox.slack_driver`` re-exports all of these and is the module to import them from.
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any

Args = dict[str, Any]

# element type -> (key in view.state.values, element field holding its initial value)
_STATE_KEYS: dict[str, tuple[str, str]] = {
    "plain_text_input": ("value", "initial_value"),
    "email_text_input": ("value", "initial_value"),
    "url_text_input": ("value", "initial_value"),
    "number_input": ("value", "initial_value"),
    "rich_text_input": ("rich_text_value", "initial_value"),
    "datepicker": ("selected_date", "initial_date"),
    "timepicker": ("selected_time", "initial_time"),
    "datetimepicker": ("selected_date_time", "initial_date_time"),
    "static_select": ("selected_option", "initial_option"),
    "external_select": ("selected_option", "initial_option"),
    "radio_buttons": ("selected_option", "initial_option"),
    "checkboxes": ("selected_options", "initial_options"),
    "multi_static_select": ("selected_options", "initial_options"),
    "multi_external_select": ("selected_options", "initial_options"),
    "users_select": ("selected_user", "initial_user"),
    "multi_users_select": ("selected_users", "initial_users"),
    "conversations_select": ("selected_conversation", "initial_conversation"),
    "multi_conversations_select": ("selected_conversations", "initial_conversations"),
    "channels_select": ("selected_channel", "initial_channel"),
    "multi_channels_select": ("selected_channels", "initial_channels"),
    "file_input": ("files", "initial_files"),
}
_LISTS = {"selected_options", "selected_users", "selected_conversations", "selected_channels"}
_LISTS.add("files")


# ---------------------------------------------------------------------- state entries
def option(value: str, text: str | None = None) -> Args:
    """An option object as Slack echoes it back (text defaults to the value)."""
    return {"text": {"type": "plain_text", "text": text or value, "emoji": True}, "value": value}


def plain_text_input(value: str | None) -> Args:
    """State of a ``plain_text_input``: ``value`` (``None`` when left empty)."""
    return {"type": "plain_text_input", "value": value}


def email_text_input(value: str | None) -> Args:
    """State of an ``email_text_input``."""
    return {"type": "email_text_input", "value": value}


def number_input(value: str | None) -> Args:
    """State of a ``number_input`` (Slack sends the number as a string)."""
    return {"type": "number_input", "value": value}


def checkboxes(*values: str) -> Args:
    """State of ``checkboxes``: the ticked options (texts filled in from the view)."""
    return {"type": "checkboxes", "selected_options": [option(v) for v in values]}


def radio_buttons(value: str | None) -> Args:
    """State of ``radio_buttons``: the chosen option or ``None``."""
    return {"type": "radio_buttons", "selected_option": option(value) if value else None}


def static_select(value: str | None) -> Args:
    """State of a ``static_select``."""
    return {"type": "static_select", "selected_option": option(value) if value else None}


def multi_static_select(*values: str) -> Args:
    """State of a ``multi_static_select``."""
    return {"type": "multi_static_select", "selected_options": [option(v) for v in values]}


def datepicker(day: date | str | None) -> Args:
    """State of a ``datepicker``: ``selected_date`` as ``YYYY-MM-DD``."""
    return {
        "type": "datepicker",
        "selected_date": day.isoformat() if isinstance(day, date) else day,
    }


def timepicker(hhmm: str | None) -> Args:
    """State of a ``timepicker``: ``selected_time`` as ``HH:mm`` (plus the picker's timezone)."""
    return {"type": "timepicker", "selected_time": hhmm}


def users_select(user_id: str | None) -> Args:
    """State of a ``users_select``."""
    return {"type": "users_select", "selected_user": user_id}


def file_input(*files: Args) -> Args:
    """State of a ``file_input``: the uploaded files, as ``files.info`` describes them."""
    return {"type": "file_input", "files": [dict(f) for f in files]}


# ---------------------------------------------------------------------- events
def message_event(
    text: str,
    user_id: str,
    channel_id: str,
    *,
    thread_ts: str | None = None,
    ts: str | None = None,
    files: list[Args] | None = None,
) -> Args:
    """A ``message`` event from a person (in a thread when ``thread_ts`` is given). With
    ``files`` (as ``add_file`` returns them) it is a ``file_share`` message, as Slack sends one
    when someone attaches files to a reply."""
    ts = ts or f"{time.time():.6f}"
    event: Args = {
        "type": "message",
        "user": user_id,
        "text": text,
        "ts": ts,
        "channel": channel_id,
    }
    event.update(channel_type="im" if channel_id.startswith("D") else "channel", event_ts=ts)
    if files:
        event.update(subtype="file_share", upload=False, files=[dict(f) for f in files])
    return {**event, "thread_ts": thread_ts} if thread_ts else event


def message_changed_event(original: Args, new_text: str, *, ts: str | None = None) -> Args:
    """The ``message_changed`` event for an edit of ``original`` (a ``message_event``)."""
    ts = ts or f"{time.time():.6f}"
    before = {k: v for k, v in original.items() if k not in ("channel", "channel_type", "event_ts")}
    after = {**before, "text": new_text, "edited": {"user": original.get("user"), "ts": ts}}
    event = {"type": "message", "subtype": "message_changed", "hidden": True, "ts": ts}
    event.update(channel=original["channel"], channel_type=original.get("channel_type"))
    return {**event, "message": after, "previous_message": before, "event_ts": ts}


def message_deleted_event(original: Args, *, ts: str | None = None) -> Args:
    """The ``message_deleted`` event for ``original`` (a ``message_event``)."""
    ts = ts or f"{time.time():.6f}"
    before = {k: v for k, v in original.items() if k not in ("channel", "channel_type", "event_ts")}
    event = {"type": "message", "subtype": "message_deleted", "hidden": True, "ts": ts}
    event.update(channel=original["channel"], channel_type=original.get("channel_type"))
    return {**event, "deleted_ts": original["ts"], "previous_message": before, "event_ts": ts}


def app_home_opened_event(user_id: str, channel_id: str = "", tab: str = "home") -> Args:
    """The ``app_home_opened`` event Slack sends when a user opens the app's Home tab."""
    return {"type": "app_home_opened", "user": user_id, "channel": channel_id, "tab": tab}


# ---------------------------------------------------------------------- state building
def _find_element(blocks: list[Args], action_id: str) -> tuple[str, Args | None]:
    for block in blocks:
        candidates = [block.get("element"), block.get("accessory"), *block.get("elements", [])]
        for element in candidates:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return block.get("block_id", ""), element
    return "", None


def _action(action_id: str, block_id: str, element: Args | None, value: Any) -> Args:
    kind = (element or {}).get("type", "button")
    base = {"action_id": action_id, "block_id": block_id, "action_ts": f"{time.time():.6f}"}
    if kind == "button" and not isinstance(value, dict):
        text = (element or {}).get("text") or {"type": "plain_text", "text": str(value)}
        return {**base, "type": "button", "text": text, "value": value}
    return {**base, **_entry(element or {"type": kind}, value)}


def _entry(element: Args, given: Any) -> Args:
    """A state entry for ``element`` from a helper's dict or a bare value."""
    kind = str(element.get("type"))
    if kind not in _STATE_KEYS:
        raise ValueError(f"no state is known for a {kind} element")
    key, _ = _STATE_KEYS[kind]
    if isinstance(given, dict) and "type" in given:
        if given["type"] != kind:
            raise ValueError(f"a {given['type']} value for a {kind} element")
        entry = dict(given)
    elif key in ("selected_option", "selected_options"):
        chosen = [given] if isinstance(given, (str, dict)) else list(given or [])
        options = [v if isinstance(v, dict) else option(v) for v in chosen]
        entry = {
            "type": kind,
            key: options if key == "selected_options" else (options[0] if options else None),
        }
    elif key in _LISTS:
        entry = {"type": kind, key: list(given) if isinstance(given, (list, tuple)) else [given]}
    else:
        entry = {"type": kind, key: given}
    offered = {o["value"]: o for o in element.get("options", []) if isinstance(o, dict)}
    for group in element.get("option_groups", []):
        offered.update({o["value"]: o for o in group.get("options", [])})
    if key == "selected_option" and entry.get(key):
        entry[key] = offered.get(entry[key]["value"], entry[key])
    elif key == "selected_options":
        entry[key] = [offered.get(o["value"], o) for o in entry[key]]
    return entry


def _build_state(view: Args, values: Args, *, required: bool) -> Args:
    """``view.state.values`` for a view: given values, else each input's initial value."""
    state: Args = {}
    blocks = {b.get("block_id"): b for b in view.get("blocks", [])}
    for block_id in values:
        if block_id not in blocks:
            raise ValueError(f"view {view.get('callback_id')!r} has no block {block_id!r}")
    for block_id, block in blocks.items():
        element = block.get("element") if block.get("type") == "input" else None
        if element is None and block_id not in values:
            continue
        elements = {e["action_id"]: e for e in _elements(block)}
        given = values.get(block_id)
        if isinstance(given, dict) and "type" not in given:
            unknown = set(given) - set(elements)
            if unknown:
                raise ValueError(f"block {block_id!r} has no element {sorted(unknown)}")
            state[block_id] = {a: _entry(elements[a], v) for a, v in given.items()}
        elif block_id in values:
            if len(elements) != 1:
                raise ValueError(f"block {block_id!r} has several elements: name the action_id")
            ((action_id, one),) = elements.items()
            state[block_id] = {action_id: _entry(one, given)}
        elif element is not None:  # untouched: Slack reports the initial value, in state shape
            key, initial = _STATE_KEYS.get(element["type"], ("value", "initial_value"))
            empty: list[Any] | None = [] if key in _LISTS else None
            entry = {"type": element["type"], key: element.get(initial, empty)}
            state[block_id] = {element["action_id"]: entry}
        if required and element is not None and not block.get("optional"):
            key = _STATE_KEYS.get(element["type"], ("value", ""))[0]
            if state[block_id][element["action_id"]].get(key) in (None, "", []):
                raise ValueError(f"required input {block_id!r} is empty: Slack would not submit")
    return state


def _elements(block: Args) -> list[Args]:
    found = [block.get("element"), block.get("accessory"), *block.get("elements", [])]
    return [e for e in found if isinstance(e, dict) and "action_id" in e]
