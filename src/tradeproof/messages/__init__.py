"""Request bodies of both protocols, built and signed from their logical content.

Pure functions (no I/O): the suite's clients, the replay runner and the tests all
build requests here, so the wire form is written once.
"""
