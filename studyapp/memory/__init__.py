"""What the student knows: FSRS-6 memory states beside SM-2 (pure, no I/O).

`model` maps grades to FSRS ratings and steps or replays a memory state;
`fit` turns the review log into training data and fits parameters;
`evaluate` measures how well a model predicts the log it has not seen.
"""
