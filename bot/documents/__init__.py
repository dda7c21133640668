"""Customer documents (bills, LOAs): checked by content, stored with a checksum."""
