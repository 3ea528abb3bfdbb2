"""The commands: what an instructor or a student runs (nbgrader's ``apps/`` in spirit).

- :mod:`.cli`: the ``course`` command (click), one thin function per subcommand;
- :mod:`.setup`: ``course setup``, everything the course needs, idempotently;
- :mod:`.doctor`: ``course doctor``, what the machine has and what to fix;
- :mod:`.demo`: ``make demo``, the whole course loop; ``course try`` for lesson authors;
- :mod:`.labserver`: ``make lab``, JupyterLab for a student or the instructor;
- :mod:`.validate`: nbgrader's Validate as a non-blocking server extension of that lab.
"""
