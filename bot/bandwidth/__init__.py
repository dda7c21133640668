"""The Bandwidth adapter: its Port-out Validation webhook (``POST /portout/validation``), the
XML it sends and the answer it wants (``validation``), and the HTTP route (``route``)."""
