"""Graders' checks, one module per assignment.

Test cells call these with the learner's function and the engine client. They judge
behaviour and the engine's real state (not the text of an answer), clean up what
they start, and explain every failure with :class:`course.checks.feedback.Feedback`.
"""
