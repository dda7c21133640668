"""What people read, said once for every channel.

Builders here return :class:`~bot.wording.rich.Rich` text: plain words, emphasis, code, mentions
and links, with every string that came from outside kept as data. Each edge renders it in its
own markup and escapes it there: Slack ``mrkdwn`` (``bot.slack.blocks.text.mrkdwn``), plain text
for Zendesk notes and e-mail (:func:`~bot.wording.rich.plain`), HTML for pages
(:func:`~bot.wording.rich.html`). Nothing here imports an adapter.

* :mod:`~bot.wording.rich` the text model and its plain and HTML renderers;
  :mod:`~bot.wording.formats` counts, dates and times; :mod:`~bot.wording.links` the one link
  sanitizer.
* :mod:`~bot.wording.requests` a request's next step, statuses and summary lines;
  :mod:`~bot.wording.rejections` a rejection's meaning and fix; :mod:`~bot.wording.news` the
  customer's news of a change; :mod:`~bot.wording.tickets` the ticket's description and notes;
  :mod:`~bot.wording.loa` the LOA's e-mail and chat message.
* :mod:`~bot.wording.reminders` one builder per reminder kind.
"""
