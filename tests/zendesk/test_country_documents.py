"""A country's documents reach the ticket: attached at the intake's last step (through the
signed Slack submission), they ride with one internal note naming them, the ticket's record
says they were received, and they are uploaded once."""

from __future__ import annotations

from tests.slack.test_country_documents import PDF, PNG, submit_french_documents
from tests.zendesk.conftest import Both


def test_documents_from_the_intake_are_attached_to_the_ticket_with_a_note(both: Both):
    submit_french_documents(both.slack, both.driver)
    both.drain()
    comments = both.comments()
    description = comments[0]["body"]
    assert "Proof of address: received" in description
    assert "Company registration: received" in description
    assert "Customer Service Record (CSR): to send, recommended" in description
    (note,) = [c for c in comments if "Documents received" in c["body"]]
    assert note["public"] is False
    assert "proof of address (edf-octobre.pdf)" in note["body"]
    names = sorted(a["file_name"] for a in note["attachments"])
    assert names == ["edf-octobre.pdf", "kbis.pdf", "passeport.png"]
    uploaded = {u.filename: u for u in both.zendesk.uploads}
    assert uploaded["edf-octobre.pdf"].content == PDF
    assert uploaded["passeport.png"].content == PNG
    assert uploaded["passeport.png"].content_type == "image/png"
    count = len(both.zendesk.uploads)
    both.drain()
    assert len(both.zendesk.uploads) == count  # delivered once, not again
