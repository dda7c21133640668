"""portbot: phone-number porting in Slack and Zendesk."""

__version__ = "0.1.0"
