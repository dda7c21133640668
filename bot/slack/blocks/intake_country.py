"""The intake steps' parts that follow the numbers' country: its account fields (each hint
the row's reason), its address lines, and the documents it asks for besides the LOA and the
bill (a file input each, and the "Add documents" modal for what is still missing). The rows
come from :mod:`bot.porting.countries`."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block
from slack_sdk.models.blocks.block_elements import FileInputElement
from slack_sdk.models.views import View

from bot.porting.countries import Country, Document, DocumentRule, Need, When
from bot.porting.fields import F
from bot.porting.intake_country import country_phrase
from bot.slack import ids
from bot.slack.blocks.text import (
    context,
    escape,
    field,
    modal,
    section,
    text_input,
    truncate,
)

__all__ = [
    "DOCUMENT_LABELS",
    "added_view",
    "address_blocks",
    "country_fields",
    "document_inputs",
    "document_label",
    "documents_block",
    "documents_modal",
]


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


DOCUMENT_LABELS = {
    Document.CSR: "Customer Service Record (CSR)",
    Document.PROOF_OF_ADDRESS: "Proof of address",
    Document.COMPANY_REGISTRATION: "Company registration",
    Document.SIGNER_ID: "ID of the person who signs",
    Document.POWER_OF_ATTORNEY: "Power of attorney",
}
DOCUMENT_FILETYPES = ["pdf", "png", "jpg", "jpeg"]
LATER = "add it later with the *Add documents* button on the request"


def document_label(document: Document) -> str:
    return DOCUMENT_LABELS.get(document, document.value.replace("_", " ").capitalize())


def document_inputs(documents: Sequence[DocumentRule]) -> list[Block]:
    """One file input a document (the block :data:`ids.DOCUMENT_BLOCKS` names), its hint the
    country's reason; optional here, whatever the country's need: a document may follow."""
    blocks: list[Block] = []
    for rule in documents:
        block = ids.DOCUMENT_BLOCKS.get(rule.document)
        if block is None:
            continue
        need = "" if rule.need is Need.REQUIRED else f" ({rule.need.value})"
        when = _WHEN.get(rule.when, "")
        blocks.append(
            field(
                block,
                truncate(document_label(rule.document) + need, 150),
                FileInputElement(filetypes=DOCUMENT_FILETYPES, max_files=1),
                hint=truncate(f"{when}{rule.reason} A PDF or an image of up to 10 MB.", 2000),
                optional=True,
            )
        )
    return blocks


def documents_block(country: str, documents: Sequence[DocumentRule]) -> Block:
    """The heading above the country's document inputs."""
    return section(
        f"*Documents to send for a port from {escape(country)}*\n"
        "Attach the ones you have now; each box says why it is asked for. Anything you "
        f"don't have at hand, {LATER}."
    )


def documents_modal(country: str, documents: Sequence[DocumentRule], metadata: str) -> View:
    """ "Add documents" on a request: one file input a document it still lacks."""
    blocks: list[Block] = [
        section(
            f"A port from {escape(country)} asks for these documents. Attach one or more; "
            "the rest can follow the same way."
        ),
        *document_inputs(documents),
    ]
    return modal(ids.View.ADD_DOCUMENTS, "Add documents", blocks, metadata, submit="Send")


def added_view(names: Sequence[str], missing: Sequence[str]) -> View:
    """What the "Add documents" modal shows once the documents are kept."""
    got = ", ".join(escape(n) for n in names)
    text = f":white_check_mark: *Received:* {got}. They go to the porting team with the request."
    if missing:
        text += f"\nStill to send: {', '.join(escape(m) for m in missing)}."
    return modal(None, "Documents added", [section(text)], "", close="Done")
