"""The Zendesk ticket sidebar served by portbot: Zendesk's signed URL checked, the sidebar's own
token, and its pages and routes. An adapter like ``bot.zendesk``: it may call services, never
another adapter."""
