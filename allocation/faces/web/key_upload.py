"""Layer 6 (faces): uploading a key CSV (for example DUO's ELIP counts) in the sidebar.

No field is filled in for the user: the name, the kind (real, proxy or assumption) and the
source are chosen explicitly, and the code and value columns are picked from the file's own
header. Every problem of an upload is listed at once, naming the app's fields.
"""

from __future__ import annotations

import streamlit as st

from allocation.common.errors import InputError
from allocation.data.key_csv import header_columns, parse_key_csv
from allocation.data.keys import builtin_keys
from allocation.faces.web.labels import Lang

KINDS = ["real", "proxy", "assumption"]
#: the command line's advice for missing municipalities, which the app gives as its check box
MISSING_FIX = "Add them, or set missing_as_zero: true in the scenario to count them as zero"


def key_uploads(lang: Lang) -> tuple:
    """The uploaded key as a (cacheable) tuple of KeyUpload fields, or () while there is none
    or while any field is wrong (the problems are shown)."""
    with st.sidebar.expander(lang("upload_header")):
        upload = st.file_uploader(lang("upload_file"), type=["csv", "txt"], key="key_upload")
        name = st.text_input(lang("upload_name"), key="key_name", placeholder=lang("upload_name_placeholder"))
        columns: list[str] = []
        file_problem = None
        if upload is not None:
            try:
                columns = header_columns(upload.getvalue(), upload.name)
            except InputError as exc:
                file_problem = exc.problems
        # fresh column choices for every file: a choice made for another file never carries over
        suffix = "" if upload is None else f"_{abs(hash((upload.name, upload.size))) % 10**8}"
        code_key, value_key = f"key_code_column{suffix}", f"key_value_column{suffix}"
        code_column = st.selectbox(lang("upload_code_column"), columns, index=None, key=code_key,
                                   placeholder=lang("upload_choose_column"))
        value_column = st.selectbox(lang("upload_value_column"), columns, index=None, key=value_key,
                                    placeholder=lang("upload_choose_column"))
        kind = st.selectbox(lang("upload_kind"), KINDS, index=None, key="key_kind",
                            format_func=lambda k: lang(f"kind_{k}"), placeholder=lang("upload_choose_kind"))
        source = st.text_input(lang("upload_source"), key="key_source", placeholder=lang("upload_source_placeholder"))
        label = st.text_input(lang("upload_label"), key="key_label")
        missing = st.checkbox(lang("upload_missing_zero"), value=False, key="key_missing")
        if upload is None:
            st.caption(lang("upload_caption"))
            return ()
        problems = list(file_problem or [])
        name = name.strip()
        if not name:
            problems.append(lang("upload_need_name", field=lang("upload_name")))
        elif not (name.replace("_", "a").isalnum() and name[0].isalpha() and name == name.lower() and name.isascii()):
            problems.append(lang("upload_bad_name", field=lang("upload_name"), name=name[:40]))
        elif name in builtin_keys():
            problems.append(lang("upload_name_taken", field=lang("upload_name"), name=name))
        if kind is None:
            problems.append(lang("upload_need_kind", field=lang("upload_kind")))
        if not source.strip():
            problems.append(lang("upload_need_source", field=lang("upload_source")))
        if not file_problem:
            if code_column is None:
                problems.append(lang("upload_need_column", field=lang("upload_code_column")))
            if value_column is None:
                problems.append(lang("upload_need_column", field=lang("upload_value_column")))
            if code_column is not None and code_column == value_column:
                problems.append(lang("upload_same_column", code=lang("upload_code_column"),
                                     value=lang("upload_value_column")))
            elif code_column is not None and value_column is not None:
                try:
                    parse_key_csv(upload.getvalue(), origin=upload.name, name="upload", value_column=value_column,
                                  code_column=code_column, missing_as_zero=missing)
                except InputError as exc:
                    fix = lang("upload_missing_fix", field=lang("upload_missing_zero"))
                    problems += [p.replace(MISSING_FIX, fix) for p in exc.problems]
        if problems:
            st.error(lang("upload_problems", name=upload.name) + "\n\n" + "\n".join(f"- {p}" for p in problems))
            return ()
    return ((name, upload.name, upload.getvalue(), value_column, code_column, missing, label.strip(), "",
             source.strip(), "", kind),)
