"""Model-based fuzzing: state machines that drive a target and compare it, after every
step, with an independent in-suite model (never the reference exchange)."""
