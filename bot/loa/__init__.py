"""The Letter of Authorization: the PDF, its signing tokens, the signing page."""
