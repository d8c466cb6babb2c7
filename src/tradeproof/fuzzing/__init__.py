"""Fuzzing glue: Schemathesis hooks that sign what it generates, and tradeproof checks for it."""
