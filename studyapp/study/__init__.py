"""Studying: SM-2, the daily queue, a review session, exams and their plans."""
