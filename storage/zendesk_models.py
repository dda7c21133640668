"""Who a Slack person is in Zendesk: the end user portbot makes a requester and the author of
their thread replies, looked up once and kept here."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from storage.tables import Stored, _utc


class ZendeskPerson(Stored, SQLModel, table=True):
    """A Slack user's Zendesk end user. ``by_email``: found or made by the e-mail address Slack
    gave for them; otherwise an end user known only by their Slack id (``external_id``
    ``slack:<team>:<user>``), looked up again after a while in case Slack gives an address by
    then. Every Zendesk user listed here speaks in Slack: a public ticket comment by one of them
    is a copy portbot made, never news for the Slack thread."""

    __tablename__ = "zendesk_people"
    __table_args__ = (sa.UniqueConstraint("team_id", "slack_user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(default="", max_length=32)
    slack_user_id: str = Field(max_length=32)
    zendesk_user_id: int = Field(sa_type=sa.BigInteger, index=True)
    by_email: bool = False
    resolved_at: datetime = _utc()
