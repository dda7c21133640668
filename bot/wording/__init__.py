"""What people read, said once for every channel.

Builders here return :class:`~bot.wording.rich.Rich` text: plain words, emphasis, code, mentions
and links, with every string that came from outside kept as data. Each edge renders it in its
own markup and escapes it there: Slack ``mrkdwn`` (``bot.slack.blocks.text.mrkdwn``), plain text
for Zendesk notes and e-mail (:func:`~bot.wording.rich.plain`), HTML for pages
(:func:`~bot.wording.rich.html`). Nothing here imports an adapter.
"""
