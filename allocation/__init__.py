"""Budget allocation simulator for Dutch civic-integration money (Wet inburgering 2021).

Layers, each importing only those below it:

1. data: ``allocation.data`` (registers, population, mergers) and ``allocation.keys``
   (verdeelsleutels, distribution keys);
2. the allocation core: ``allocation.core`` (pure functions over arrays);
3. scenarios: ``allocation.scenario`` (file format, validation, running a scenario);
4. outputs: ``allocation.outputs`` (tables, summaries, files);
5. faces: ``allocation.cli`` (``python -m allocation``) and ``app.py``.
"""

__version__ = "0.1.0"
