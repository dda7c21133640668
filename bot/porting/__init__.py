"""The porting domain: pure rules, no I/O and no clock reads."""
