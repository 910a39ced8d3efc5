"""Layer 5: the faces. The command line (:mod:`~allocation.faces.cli`, ``python -m allocation``)
and what the app shows (:mod:`~allocation.faces.views`; ``app.py`` at the top stays thin)."""
