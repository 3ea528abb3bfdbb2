"""The grading pipeline, as thin layers on nbgrader's own API.

settings (nbgrader configuration, on :mod:`course.layout`) -> nbgrader_api (generate,
autograde, feedback) -> students (simulated submissions) -> parallel (a pool of workers,
each kernel in a sandbox: sandbox, execute, worker, verify, ledger) -> report (gradebook
-> pandas). Beyond one machine: host (a Celery grader host running that same path),
distributed (the queue's one writer), gradebook (moving it to PostgreSQL). Lessons are
built into source/ by :mod:`course.material.build`.
"""
