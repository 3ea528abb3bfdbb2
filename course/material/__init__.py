"""Authoring: the lessons as data, and what turns them into nbgrader's source notebooks.

- :mod:`.lesson`: the model (a Carpentries-style episode: facts once, exercises with points);
- :mod:`.cells`: the nbgrader cell constructors;
- :mod:`.lessons`: the course's lessons, one module per assignment (reference solutions:
  closed to graded submissions);
- :mod:`.build`: ``course build-source`` writes ``source/`` and the course map;
- :mod:`.coursemap`: the course map (README table, ``release/index.ipynb``) from the lessons.
"""
