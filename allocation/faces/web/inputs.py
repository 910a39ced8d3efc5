"""Layer 6 (faces): number fields that show and accept numbers the Dutch (or English) way.

Streamlit's number inputs write ``9000000`` and ``0.25`` whatever the language, so the app's
numbers are text fields read by :meth:`allocation.faces.web.numbers.Numbers.parse`. A field
keeps its last valid value while its text is wrong, and says what is wrong right under it.
On a switch of language every field is rewritten in the new convention.
"""

from __future__ import annotations

import streamlit as st

from allocation.faces.web.labels import Lang

#: session-state key of the registry: widget key -> (last valid value, decimals, whole)
REGISTRY = "_number_fields"


def shown(lang: Lang, value: float | None, decimals: int | None) -> str:
    """A value as a field shows it: whole numbers with thousands marks, others with as many
    decimals as they need (up to ``decimals``)."""
    if value is None:
        return ""
    if decimals == 0 or float(value).is_integer():
        return lang.n.number(value, 0)
    text = f"{float(value):.{decimals or 6}f}".rstrip("0").rstrip(".")
    return lang.n.number(float(text), len(text.split(".")[1]) if "." in text else 0)


def rewrite_for_language(lang: Lang) -> None:
    """After a switch of language, show every field's last valid value in the new convention."""
    if st.session_state.get("_lang_shown") == lang.lang:
        return
    for key, (value, decimals, _) in st.session_state.get(REGISTRY, {}).items():
        st.session_state[key] = shown(lang, value, decimals)
    st.session_state["_lang_shown"] = lang.lang


def number_field(
    lang: Lang,
    container,
    label: str,
    key: str,
    initial: float | None,
    *,
    whole: bool = False,
    decimals: int | None = None,
    minimum: float | None = 0,
    maximum: float | None = None,
    optional: bool = False,
    help: str | None = None,
) -> tuple[float | None, str | None]:
    """(value, problem): the field's value (the last valid one while the text is wrong, the
    initial value exactly while the text is the initial's), and the message under the field."""
    registry = st.session_state.setdefault(REGISTRY, {})
    initial_text = shown(lang, initial, 0 if whole else decimals)
    if key not in st.session_state:
        st.session_state[key] = initial_text
        registry[key] = (initial, 0 if whole else decimals, whole)
    text = container.text_input(label, key=key, help=help)
    last = registry.get(key, (initial, decimals, whole))[0]
    if text.strip() == initial_text:
        value = initial
    elif optional and not text.strip():
        value = None
    else:
        try:
            value = lang.n.parse(text, whole=whole)
        except ValueError as exc:
            return last, _mark(container, label, str(exc), lang)
        if minimum is not None and value < minimum:
            return last, _mark(container, label, lang("field_at_least", value=lang.n.number(minimum)), lang)
        if maximum is not None and value > maximum:
            return last, _mark(container, label, lang("field_at_most", value=lang.n.number(maximum)), lang)
    registry[key] = (value, 0 if whole else decimals, whole)
    return value, None


def _mark(container, label: str, message: str, lang: Lang) -> str:
    text = f"{label}: {message}; {lang('field_kept')}"
    container.error(text)
    return text


def forget(prefix: str) -> None:
    """Drop the fields (and their widgets) whose key starts with ``prefix``."""
    registry = st.session_state.setdefault(REGISTRY, {})
    for key in [k for k in st.session_state if str(k).startswith(prefix)]:
        del st.session_state[key]
    for key in [k for k in registry if k.startswith(prefix)]:
        del registry[key]
