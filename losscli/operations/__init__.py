"""What several commands do alike: plan inputs, build evaluators, stream, decide gates, write reports."""
