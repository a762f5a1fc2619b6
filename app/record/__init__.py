"""The learning record: what each learner did and when, kept as xAPI statements."""
