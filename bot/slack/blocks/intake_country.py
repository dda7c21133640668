"""The intake steps' parts that follow the numbers' country: its account fields (each hint
the row's reason), its address lines, and the documents it asks for besides the LOA and the
bill. The rows come from :mod:`bot.porting.countries`."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block

from bot.porting.countries import Country, Document, DocumentRule, Need, When
from bot.porting.fields import F
from bot.porting.intake_country import country_phrase
from bot.slack import ids
from bot.slack.blocks.text import context, escape, field, section, text_input, truncate

__all__ = ["address_blocks", "country_fields", "documents_block"]


_WHEN = {
    When.LANDLINE: "For landlines. ",
    When.WIRELESS: "For mobile numbers. ",
    When.TOLL_FREE: "For toll-free numbers. ",
    When.BUSINESS: "For business accounts. ",
    When.RESIDENTIAL: "For residential accounts. ",
}
_FIELD_BLOCKS = {
    F.ACCOUNT_NUMBER: ids.Block.ACCOUNT_NUMBER,
    F.BTN: ids.Block.BTN,
    F.PIN: ids.Block.PIN,
}


def country_fields(country: Country) -> list[Block]:
    """The account fields a country's row names, each hint its reason; nothing else."""
    blocks: list[Block] = [
        context(
            f":earth_africa: These are numbers from *{escape(country_phrase(country.code))}*. "
            f"Ports from {escape(country_phrase(country.code))} ask for the details below; "
            "each says why."
        )
    ]
    for rule in country.fields:
        required = rule.need is Need.REQUIRED and rule.when is When.ALWAYS
        hint = _WHEN.get(rule.when, "") + rule.reason
        if rule.need is Need.OPTIONAL:
            hint += " Optional."
        if rule.field is F.PIN:
            hint += " We store it encrypted and never show it."
        blocks.append(
            field(
                _FIELD_BLOCKS[rule.field],
                truncate(rule.label, 150),
                text_input(max_length=40 if rule.field is F.ACCOUNT_NUMBER else 30),
                hint=truncate(hint, 2000),
                optional=not required,
            )
        )
    return blocks


def address_blocks(country: Country) -> list[Block]:
    """City, region and postal code as the country's addresses have them."""
    address = country.address
    blocks: list[Block] = [field(ids.Block.CITY, "City", text_input(max_length=120))]
    if address.region is not None:
        blocks.append(
            field(
                ids.Block.REGION,
                truncate(address.region_label or "Region", 150),
                text_input(max_length=64),
                optional=address.region is not Need.REQUIRED,
            )
        )
    code = address.postal_code
    if code is not None:
        example = f"Like {' or '.join(code.examples[:2])}." if code.examples else None
        blocks.append(
            field(
                ids.Block.POSTAL_CODE,
                truncate(code.label, 150),
                text_input(max_length=16),
                hint=example,
                optional=code.need is not Need.REQUIRED,
            )
        )
    if address.note:
        blocks.append(context(escape(address.note)))
    return blocks


_DOCUMENT_NAMES = {
    Document.CSR: "Customer Service Record (CSR)",
    Document.PROOF_OF_ADDRESS: "Proof of address",
    Document.COMPANY_REGISTRATION: "Company registration",
    Document.SIGNER_ID: "ID of the person who signs",
    Document.POWER_OF_ATTORNEY: "Power of attorney",
}


def documents_block(country: str, documents: Sequence[DocumentRule]) -> Block:
    """The documents a country asks for beyond the LOA and the bill, each with its reason."""
    lines = []
    for rule in documents:
        name = _DOCUMENT_NAMES.get(rule.document, rule.document.value.replace("_", " "))
        need = "" if rule.need is Need.REQUIRED else f" ({rule.need.value})"
        lines.append(f"• *{escape(name)}*{need}: {escape(rule.reason)}")
    return section(
        f"*Documents to send for a port from {escape(country)}*\n"
        + "\n".join(lines)
        + "\nKeep them at hand: the porting team asks for them in the request's thread."
    )
