"""The HTML of the LOA signing page: plain ``string.Template`` pages, no JavaScript.

Every value that comes from a request, a form or a link goes through the HTML renderer
(:func:`bot.wording.rich.html`) before it reaches a template; the templates themselves only hold
our own words and markup. Links are relative to the page (``/loa/<token>``), so the app works
behind a path prefix too.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from string import Template

from bot.loa.content import LoaContent
from bot.wording.formats import long_when as when
from bot.wording.formats import numbers_list, plural
from bot.wording.rich import html

__all__ = ["closed_page", "error_page", "sign_page", "state_page", "thanks_page", "when"]

SHOWN_NUMBERS = 5

_CSS = """
body{font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:#1f2933;margin:0;
background:#f4f5f7;line-height:1.5}
main{max-width:760px;margin:24px auto;background:#fff;padding:24px 32px;border-radius:6px;
box-shadow:0 1px 3px rgba(0,0,0,.12)}
h1{font-size:1.5rem;margin-top:0;color:#1d3557}h2{font-size:1.1rem;margin-top:1.6em}
dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 18px;margin:0}
dt{font-weight:600;color:#52606d}dd{margin:0}
iframe{width:100%;height:520px;border:1px solid #cbd2d9;border-radius:4px}
label{display:block;font-weight:600;margin-top:1em}
input[type=text]{width:100%;max-width:420px;padding:8px;font-size:1rem;border:1px solid #9aa5b1;
border-radius:4px}
.check{font-weight:normal;display:flex;gap:10px;align-items:flex-start}
.check input{margin-top:5px}
button{margin-top:1.2em;background:#1d3557;color:#fff;border:0;border-radius:4px;
padding:10px 22px;font-size:1rem;cursor:pointer}
.error{background:#fde8e8;border:1px solid #e12d39;color:#8a041a;padding:10px 14px;
border-radius:4px}
.small{font-size:.9rem;color:#52606d}
footer{text-align:center;font-size:.8rem;color:#7b8794;margin-bottom:24px}
"""

_LAYOUT = Template(
    """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<title>$title</title>
<style>$css</style>
</head>
<body>
<main>
$body
</main>
<footer>portbot · Letter of Authorization</footer>
</body>
</html>
"""
)

_SIGN = Template(
    """<h1>Sign the Letter of Authorization</h1>
<p>$who asked to move phone numbers of <strong>$holder</strong> to a new provider. Carriers
release numbers only with a letter signed by the account holder or its authorized
representative. Please check the details, read the letter, and sign below.</p>
<h2>What the letter covers</h2>
<dl>
<dt>Account holder</dt><dd>$holder</dd>
<dt>Authorized representative</dt><dd>$rep</dd>
<dt>Service address</dt><dd>$address</dd>
<dt>Current carrier</dt><dd>$carrier</dd>
<dt>Account number</dt><dd>$account</dd>
<dt>Numbers</dt><dd>$numbers</dd>
</dl>
<h2>The letter</h2>
<iframe src="$pdf" title="The Letter of Authorization (PDF)"></iframe>
<p class="small">Can't see it? <a href="$pdf" target="_blank" rel="noopener noreferrer">Open the
letter</a> or <a href="$download">download it (PDF)</a>.</p>
<h2>Sign</h2>
$error
<form method="post" accept-charset="utf-8">
<label for="name">Your full name</label>
<input type="text" id="name" name="name" value="$typed" maxlength="200" autocomplete="name"
required>
<p class="small">Type the authorized representative's name as it is written above.</p>
<label class="check"><input type="checkbox" name="authorized" value="yes"$checked required>
<span>I am authorized to act for $holder on this account, and I confirm the statements in the
letter.</span></label>
<button type="submit">Sign the letter</button>
</form>
<p class="small">Signing records the name you type, the time and your IP address, and adds them
to the letter. This link works until $expires.</p>"""
)

_THANKS = Template(
    """<h1>Thank you: the letter is signed</h1>
<p>$name signed the Letter of Authorization for <strong>$holder</strong> on $when.</p>
<h2>What happens next</h2>
<ol>
<li>The porting team checks the request, usually within a business day or two.</li>
<li>They send it to $carrier. The carriers then agree on a date for the move, and $who will
hear about it in advance.</li>
<li>Keep the account with $carrier open and paid until the numbers have moved; closing it
early can lose them.</li>
</ol>
<p><a href="$download">Download the signed letter (PDF)</a> for your records.</p>
<p class="small">You can close this page.</p>"""
)

_STATE = Template("""<h1>$heading</h1>
$paragraphs""")


def _e(value: object) -> str:
    return html(str(value))


def _page(title: str, body: str) -> str:
    return _LAYOUT.substitute(title=_e(title), css=_CSS, body=body)


def _numbers(content: LoaContent) -> str:
    e164s = [e164 for e164, _ in content.numbers]
    return _e(f"{plural(len(e164s), 'number')}: {numbers_list(e164s, SHOWN_NUMBERS)}")


def _address(lines: Sequence[str]) -> str:
    return "<br>".join(_e(line) for line in lines if line) or "<em>not given</em>"


def sign_page(
    content: LoaContent,
    *,
    token: str,
    address: Sequence[str],
    requester_name: str,
    expires_at: datetime,
    tz: tzinfo | None,
    typed: str = "",
    authorized: bool = False,
    error: str = "",
) -> str:
    """The letter's summary and the signing form (``error`` shown above the form)."""
    pdf = f"{token}/pdf"
    body = _SIGN.substitute(
        who=_e(requester_name or "Someone"),
        holder=_e(content.holder or "the account holder"),
        rep=_e(content.rep_name),
        address=_address(address),
        carrier=_e(content.losing_carrier or "not given"),
        account=_e(content.account_number_masked) or "<em>not given</em>",
        numbers=_numbers(content),
        pdf=_e(pdf),
        download=_e(pdf + "?download=1"),
        error=f'<p class="error" role="alert">{_e(error)}</p>' if error else "",
        typed=_e(typed),
        checked=" checked" if authorized else "",
        expires=_e(when(expires_at, tz)),
    )
    return _page("Sign the Letter of Authorization", body)


def thanks_page(
    *,
    token: str,
    name: str,
    holder: str,
    carrier: str,
    requester_name: str,
    signed_at: datetime,
    tz: tzinfo | None,
) -> str:
    body = _THANKS.substitute(
        name=_e(name),
        holder=_e(holder or "the account holder"),
        when=_e(when(signed_at, tz)),
        carrier=_e(carrier or "the current carrier"),
        who=_e(requester_name or "the person who asked for the move"),
        download=_e(f"{token}/pdf?download=1"),
    )
    return _page("The letter is signed", body)


def state_page(heading: str, *paragraphs: str, link: tuple[str, str] | None = None) -> str:
    """A page that only explains (expired, used, replaced, unknown links; errors)."""
    parts = [f"<p>{_e(p)}</p>" for p in paragraphs]
    if link is not None:
        parts.append(f'<p><a href="{_e(link[0])}">{_e(link[1])}</a></p>')
    return _page(heading, _STATE.substitute(heading=_e(heading), paragraphs="\n".join(parts)))


def closed_page() -> str:
    return state_page(
        "No signature is needed now",
        "This request no longer waits for a signature: it may have been signed already, "
        "cancelled or closed. There is nothing for you to do here.",
    )


def error_page(ref: str) -> str:
    return state_page(
        "Something went wrong on our side",
        "Your letter was not signed. Please try again in a few minutes.",
        f"If it keeps happening, tell the person who asked you to sign, quoting the reference "
        f"{ref}.",
    )
