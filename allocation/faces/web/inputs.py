"""Layer 6 (faces): number fields that show and accept numbers the Dutch (or English) way.

Streamlit's number inputs write ``9000000`` and ``0.25`` whatever the language, so the app's
numbers are text fields read by :meth:`allocation.faces.web.numbers.Numbers.parse`. A field
keeps its last valid value while its text is wrong, and says what is wrong right under it.
On a switch of language every field is rewritten in the new convention.
"""

from __future__ import annotations

import streamlit as st

from allocation.faces.web.labels import Lang

#: the app's select boxes, radios, check boxes and text fields outside the sidebar editors
#: (buttons, uploads and tables cannot be set by a script and are left out)
CHOICES = {"view", "source", "shipped", "pot", "year", "key_register", "search", "map_what", "explain_code",
           "explain_show", "compare_level", "compare_scenario", "compare_summary_show", "negotiate",
           "why_municipality", "band_municipality", "published_pot", "dutch", "key_name", "key_kind", "key_source",
           "key_label", "key_missing"}
CHOICE_PREFIXES = ("compare_chosen_", "compare_baseline_", "key_code_column", "key_value_column")


def _keeps_a_choice(key: str) -> bool:
    if key in CHOICES or key.startswith(CHOICE_PREFIXES):
        return True
    # the sidebar editors' own widgets, except their buttons
    return key.startswith("e_") and not key.endswith(("_add", "_add_group"))


#: session-state key of the registry: widget key -> (last valid value, whole)
REGISTRY = "_number_fields"


def shown(lang: Lang, value: float | None, whole: bool = False) -> str:
    """A value as a field shows it, exactly: whole numbers with thousands marks, others with
    every decimal they have (``0,205``, never rounded to ``0,2``)."""
    if value is None:
        return ""
    if whole or float(value).is_integer():
        return lang.n.number(value, 0)
    text = repr(float(value))
    if "e" in text or "E" in text:  # tiny or huge: at most ten decimals
        text = f"{float(value):.10f}".rstrip("0")
    decimals = len(text.split(".")[1]) if "." in text else 0
    return lang.n.number(float(value), decimals)


def rewrite_for_language(lang: Lang) -> None:
    """After a switch of language, show every field's last valid value in the new convention."""
    if st.session_state.get("_lang_shown") == lang.lang:
        return
    registry = st.session_state.get(REGISTRY, {})
    for key, (value, whole) in registry.items():
        st.session_state[key] = shown(lang, value, whole)
    # every other widget's labels change with the language: set each value again, so the
    # browser's new widget starts from it instead of its default (a choice in a select box
    # would otherwise be lost on the next click)
    if "_lang_shown" in st.session_state:
        for key in list(st.session_state):
            if key not in registry and _keeps_a_choice(str(key)):
                st.session_state[key] = st.session_state[key]
    st.session_state["_lang_shown"] = lang.lang


def number_field(
    lang: Lang,
    container,
    label: str,
    key: str,
    initial: float | None,
    *,
    whole: bool = False,
    minimum: float | None = 0,
    maximum: float | None = None,
    optional: bool = False,
    help: str | None = None,
) -> tuple[float | None, str | None]:
    """(value, problem): the field's value and the message under the field. While the text is
    wrong the last valid value is used; while the text is the last valid value as shown, that
    value itself (so showing a number never changes it)."""
    registry = st.session_state.setdefault(REGISTRY, {})
    if key not in st.session_state:
        st.session_state[key] = shown(lang, initial, whole)
        registry[key] = (initial, whole)
    last = registry.get(key, (initial, whole))[0]
    text = container.text_input(label, key=key, help=help)
    if text.strip() == shown(lang, last, whole):
        value = last
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
    registry[key] = (value, whole)
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


def change_text(lang: Lang, line: str) -> str:
    """A line of :func:`allocation.scenario.edits.changes` (``path: before -> after``) with its
    numbers written the language's way: ``pots.elip.key.weights.inwoners: afwezig → 0,333333``."""
    path, sep, rest = line.partition(": ")
    before, arrow, after = rest.partition(" -> ")
    if not sep or not arrow:
        return line

    def value(text: str) -> str:
        if text == "absent":
            return lang("change_absent")
        try:
            number = float(text.replace(",", ""))
        except ValueError:
            return text
        return shown(lang, number, number.is_integer())

    return f"{path}: {value(before)} → {value(after)}"
