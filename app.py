"""Layer 6 (faces): the Streamlit app. ``streamlit run app.py``.

Thin: the page is :func:`allocation.faces.web.main.main` (one module per view in
``allocation/faces/web``); every figure shown is computed in the library and cached on
content.
"""

from allocation.faces.web.main import main

main()
