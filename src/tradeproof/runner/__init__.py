"""Around pytest and Hypothesis: settings, profiles, run context, result records."""
