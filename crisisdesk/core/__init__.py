"""Project-wide building blocks that import no app: exceptions, time, signing."""
