"""The sidebar's HTML pieces: escaping, labelled fields, and the action forms.

Every action is a ``<form class="pb-action" data-action="NAME">``; the page's script posts its
fields (with ``agent_name`` and ``request_key``) to
``/zendesk/sidebar/tickets/{ticket}/actions/NAME`` and puts the answer in place. Every control
has a ``<label for>``; ids are ``pb-<action>-<field>``, so they are unique in a fragment (one
form per action). A refused action comes back with its message in
``<p class="pb-error" role="alert">`` at the top of its form, and its fields as they were
typed. Nothing inline: no ``style`` attribute, no script.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from bot.porting import rejections
from bot.services.port_outs import REJECT_REASONS

__all__ = [
    "ACTIONS_PATH",
    "FormError",
    "authorize_form",
    "complete_form",
    "error_line",
    "esc",
    "foc_form",
    "link_form",
    "note_form",
    "port_out_reject_form",
    "reject_form",
    "resend_loa_form",
]

ACTIONS_PATH = "/zendesk/sidebar/tickets/{ticket}/actions/{action}"
NOTE_MAX = 3000  # as bot.services.conversation.MAX_NOTE: the field stops where the service would
COMMENT_MAX = 300
NUMBERS_MAX = 5000
ZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "UTC",
)


@dataclass(frozen=True)
class FormError:
    """A refused action: which form, the message to show in it, and its fields as typed."""

    action: str
    message: str
    values: Mapping[str, str] = field(default_factory=dict)


def esc(value: object) -> str:
    """Text (or an attribute value) from anywhere, safe in HTML."""
    return html.escape(str(value), quote=True)


def error_line(message: str) -> str:
    """A refusal's message, announced to screen readers as it appears."""
    return f'<p class="pb-error" role="alert">{esc(message)}</p>'


# --- fields --------------------------------------------------------------------------------


def _id(action: str, name: str) -> str:
    return f"pb-{action}-{name}"


def _label(action: str, name: str, label: str, hint: str) -> tuple[str, str]:
    """The label (and hint) of a field, and the ``aria-describedby`` its control carries."""
    fid = _id(action, name)
    out = f'<label class="pb-label" for="{fid}">{esc(label)}</label>'
    if not hint:
        return out, ""
    out += f'\n<p class="pb-hint" id="{fid}-hint">{esc(hint)}</p>'
    return out, f' aria-describedby="{fid}-hint"'


def text_field(
    action: str,
    name: str,
    label: str,
    *,
    value: str = "",
    kind: str = "text",
    hint: str = "",
    required: bool = False,
    maxlength: int | None = None,
    extra: str = "",
) -> str:
    """One labelled ``<input>``."""
    head, described = _label(action, name, label, hint)
    attrs = f' value="{esc(value)}"' if value else ""
    attrs += " required" if required else ""
    attrs += f' maxlength="{maxlength}"' if maxlength else ""
    return (
        f'<div class="pb-field">\n{head}\n<input class="pb-input" type="{kind}" '
        f'id="{_id(action, name)}" name="{name}"{attrs}{described}{extra}>\n</div>'
    )


def text_area(
    action: str,
    name: str,
    label: str,
    *,
    value: str = "",
    hint: str = "",
    required: bool = False,
    maxlength: int | None = None,
    rows: int = 3,
) -> str:
    """One labelled ``<textarea>``."""
    head, described = _label(action, name, label, hint)
    attrs = " required" if required else ""
    attrs += f' maxlength="{maxlength}"' if maxlength else ""
    return (
        f'<div class="pb-field">\n{head}\n<textarea class="pb-textarea" id="{_id(action, name)}" '
        f'name="{name}" rows="{rows}"{attrs}{described}>{esc(value)}</textarea>\n</div>'
    )


def select_field(
    action: str,
    name: str,
    label: str,
    options: Iterable[tuple[str, str]],
    *,
    value: str = "",
    hint: str = "",
    required: bool = False,
    prompt: str = "",
) -> str:
    """One labelled ``<select>``; ``prompt`` is a first, empty choice."""
    head, described = _label(action, name, label, hint)
    choices = [f'<option value="">{esc(prompt)}</option>'] if prompt else []
    for key, words in options:
        chosen = " selected" if key == value else ""
        choices.append(f'<option value="{esc(key)}"{chosen}>{esc(words)}</option>')
    attrs = (" required" if required else "") + described
    return (
        f'<div class="pb-field">\n{head}\n<select class="pb-select" id="{_id(action, name)}" '
        f'name="{name}"{attrs}>\n' + "\n".join(choices) + "\n</select>\n</div>"
    )


def form(
    ticket_id: int,
    action: str,
    title: str,
    fields: Sequence[str],
    submit: str,
    *,
    error: FormError | None = None,
    intro: str = "",
    danger: bool = False,
    level: int = 3,
) -> str:
    """An action's form: its heading (``<h3>``, or ``level``), the refusal it got (if this is
    the form refused), an introduction, its fields and its button."""
    target = ACTIONS_PATH.format(ticket=ticket_id, action=action)
    parts = [
        f'<form class="pb-action" data-action="{action}" method="post" action="{esc(target)}" '
        f'aria-labelledby="pb-{action}-title">',
        f'<h{level} class="pb-form-title" id="pb-{action}-title">{esc(title)}</h{level}>',
    ]
    if error is not None and error.action == action:
        parts.append(error_line(error.message))
    if intro:
        parts.append(f'<p class="pb-form-intro">{esc(intro)}</p>')
    parts.extend(fields)
    kind = "pb-button-danger" if danger else "pb-button-primary"
    parts.append(f'<button class="pb-button {kind}" type="submit">{esc(submit)}</button>')
    parts.append("</form>")
    return "\n".join(parts)


def _typed(error: FormError | None, action: str) -> Mapping[str, str]:
    """What was typed in ``action``'s form when it was refused (nothing otherwise)."""
    return error.values if error is not None and error.action == action else {}


# --- the actions ---------------------------------------------------------------------------


def note_form(ticket_id: int, error: FormError | None = None) -> str:
    typed = _typed(error, "note")
    text = text_area(
        "note",
        "text",
        "Note",
        value=typed.get("text", ""),
        hint="Only the porting team sees it, here and on the request's timeline.",
        required=True,
        maxlength=NOTE_MAX,
    )
    return form(ticket_id, "note", "Add an internal note", [text], "Add note", error=error)


def foc_form(ticket_id: int, zone: str, error: FormError | None = None) -> str:
    typed = _typed(error, "foc")
    zones = dict.fromkeys((zone, *ZONES))
    fields = [
        text_field(
            "foc",
            "date",
            "Port date",
            kind="date",
            value=typed.get("date", ""),
            hint="The date the carrier confirmed (FOC).",
            required=True,
        ),
        text_field(
            "foc", "start", "Window starts (optional)", kind="time", value=typed.get("start", "")
        ),
        text_field("foc", "end", "Window ends (optional)", kind="time", value=typed.get("end", "")),
        select_field(
            "foc",
            "tz",
            "Time zone of the window",
            [(z, z.replace("_", " ")) for z in zones],
            value=typed.get("tz", zone),
        ),
    ]
    return form(
        ticket_id,
        "foc",
        "Set the port date",
        fields,
        "Save port date",
        error=error,
        intro="Every number still waiting gets this date. Give both window times, or neither.",
    )


def complete_form(ticket_id: int, error: FormError | None = None) -> str:
    typed = _typed(error, "complete")
    numbers = text_area(
        "complete",
        "numbers",
        "Numbers (optional)",
        value=typed.get("numbers", ""),
        hint="Leave empty for every number with a port date.",
        maxlength=NUMBERS_MAX,
        rows=2,
    )
    return form(ticket_id, "complete", "Mark ported", [numbers], "Mark ported", error=error)


def reject_form(ticket_id: int, error: FormError | None = None) -> str:
    typed = _typed(error, "reject")
    fields = [
        select_field(
            "reject",
            "code",
            "Reason the carrier gave",
            rejections.choices(),
            value=typed.get("code", ""),
            required=True,
            prompt="Choose a reason",
        ),
        text_area(
            "reject",
            "numbers",
            "Numbers (optional)",
            value=typed.get("numbers", ""),
            hint="Leave empty for every number still open.",
            maxlength=NUMBERS_MAX,
            rows=2,
        ),
        text_area(
            "reject",
            "note",
            "Note (optional)",
            value=typed.get("note", ""),
            maxlength=NOTE_MAX,
            rows=2,
        ),
    ]
    return form(
        ticket_id,
        "reject",
        "Record a rejection",
        fields,
        "Record rejection",
        error=error,
        danger=True,
    )


def resend_loa_form(ticket_id: int, rep: str, error: FormError | None = None) -> str:
    intro = f"A new signing link goes to {rep}; the one sent before stops working."
    return form(
        ticket_id, "resend_loa", "Resend the LOA", [], "Resend LOA", error=error, intro=intro
    )


def link_form(ticket_id: int, error: FormError | None = None) -> str:
    typed = _typed(error, "link")
    sid = text_field(
        "link",
        "sid",
        "Request ID",
        value=typed.get("sid", ""),
        hint="It starts with PR; the first 10 characters are enough.",
        required=True,
        maxlength=40,
        extra=' autocomplete="off" spellcheck="false"',
    )
    return form(
        ticket_id, "link", "Link a port request", [sid], "Link request", error=error, level=2
    )


def authorize_form(ticket_id: int, error: FormError | None = None) -> str:
    return form(
        ticket_id,
        "authorize",
        "Authorize",
        [],
        "Authorize port-out",
        error=error,
        intro="The numbers may leave on the date the carriers agree.",
    )


def port_out_reject_form(ticket_id: int, error: FormError | None = None) -> str:
    typed = _typed(error, "reject")
    fields = [
        select_field(
            "reject",
            "reason",
            "Reason",
            [(key, words.rstrip(".")) for key, words in REJECT_REASONS.items()],
            value=typed.get("reason", ""),
            required=True,
            prompt="Choose a reason",
        ),
        text_area(
            "reject",
            "comment",
            "Comment (optional)",
            value=typed.get("comment", ""),
            maxlength=COMMENT_MAX,
            rows=2,
        ),
    ]
    return form(
        ticket_id,
        "reject",
        "Refuse",
        fields,
        "Refuse port-out",
        error=error,
        danger=True,
        intro="The numbers stay on the customer's account.",
    )
