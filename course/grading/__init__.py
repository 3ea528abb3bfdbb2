"""The grading pipeline, as thin layers on nbgrader's own API.

settings (nbgrader configuration) -> sourcegen (material -> source/) -> nbgrader_api
(generate, autograde, feedback) -> students (simulated submissions) -> report (gradebook
-> pandas).
"""
