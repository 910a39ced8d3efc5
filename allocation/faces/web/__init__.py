"""Layer 6 (faces): the Streamlit app, one module per job.

* :mod:`.numbers`: numbers on screen and in inputs the Dutch (or English) way, through Babel;
* :mod:`.labels`: every label of the app in Dutch and English (one catalogue);
* :mod:`.state`: the cached library calls (a scenario run, a comparison) keyed on content;
* :mod:`.edit_panel`: the sidebar editors of the chosen pot, and the edits they make;
* :mod:`.key_upload`: uploading a key CSV;
* :mod:`.charts`: maps and bar charts;
* :mod:`.allocation_page`, :mod:`.certainty_page`, :mod:`.scenario_page`,
  :mod:`.compare_page`, :mod:`.export_page`: one view each;
* :mod:`.main`: the page: language, scenario, the one pot-and-year selection, the views.

``app.py`` at the top only calls :func:`allocation.faces.web.main.main`.
"""
