"""Training: the curriculum model, exercise types and their grading, answer keys, GIFT import,
assessments and the progress store with its migrations."""
