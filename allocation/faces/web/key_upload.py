"""Layer 6 (faces): uploading a key file (for example DUO's ELIP counts) in the sidebar.

One upload of a two-column file (municipality, value) is one step: a CSV or text file in
UTF-8, UTF-16 or Windows-1252, or a sheet of an xlsx or ODS workbook (a chooser for the
sheet). The columns are guessed when the file leaves no doubt, and the guess is shown and
can be changed; the name comes from the file name (``ELIP DUO.csv``: id ``elip_duo``),
the kind is ``aanname`` (assumption) until the user chooses real or proxy, and the source
says that it was not given; each default is said under its field. Every problem of an
upload is listed at once, naming the app's fields.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from allocation.common.errors import InputError
from allocation.data.key_csv import KeyFileChoices, key_file_choices, key_id, missing_fix, parse_key_csv
from allocation.data.keys import builtin_keys
from allocation.faces.web.labels import Lang

KINDS = ["real", "proxy", "assumption"]
#: the kind of an upload until the user chooses: the most cautious label
DEFAULT_KIND = "assumption"
FILE_TYPES = ["csv", "txt", "tsv", "xlsx", "ods"]


@st.cache_data(max_entries=8, show_spinner=False)
def file_choices(content: bytes, filename: str, sheet: str = "") -> tuple[KeyFileChoices | None, list[str]]:
    """The sheets, columns and guessed columns of an uploaded key file, or the file's problems."""
    try:
        return key_file_choices(content, filename, sheet), []
    except InputError as exc:
        return None, exc.problems


def _index(columns: list[str], guess: str | None) -> int | None:
    return columns.index(guess) if guess in columns else None


def key_uploads(lang: Lang) -> tuple:
    """The uploaded key as a (cacheable) tuple of KeyUpload fields, or () while there is none
    or while any field is wrong (the problems are shown)."""
    with st.sidebar.expander(lang("upload_header")):
        upload = st.file_uploader(lang("upload_file"), type=FILE_TYPES, key="key_upload")
        # fresh choices for every file: a choice made for another file never carries over
        suffix = "" if upload is None else f"_{abs(hash((upload.name, upload.size))) % 10**8}"
        choices: KeyFileChoices | None = None
        file_problem: list[str] = []
        sheet = ""
        if upload is not None:
            choices, file_problem = file_choices(upload.getvalue(), upload.name)
            if choices is not None and choices.sheets:
                sheet = st.selectbox(lang("upload_sheet"), choices.sheets, index=0, key=f"key_sheet{suffix}")
                if sheet != choices.sheet:
                    choices, file_problem = file_choices(upload.getvalue(), upload.name, sheet)
        name = st.text_input(lang("upload_name"), key="key_name", placeholder=lang("upload_name_placeholder"))
        display = name.strip() or ("" if upload is None else Path(upload.name).stem.strip())
        ident = key_id(display)
        if upload is not None and ident is not None:
            st.caption(lang("upload_id", name=display[:40], id=ident))
        columns = choices.columns if choices is not None else []
        guessed = (choices.code_column, choices.value_column) if choices is not None else (None, None)
        code_key, value_key = f"key_code_column{suffix}{sheet}", f"key_value_column{suffix}{sheet}"
        code_column = st.selectbox(lang("upload_code_column"), columns, index=_index(columns, guessed[0]),
                                   key=code_key, placeholder=lang("upload_choose_column"))
        value_column = st.selectbox(lang("upload_value_column"), columns, index=_index(columns, guessed[1]),
                                    key=value_key, placeholder=lang("upload_choose_column"))
        if guessed[0] is not None and guessed[1] is not None and choices is not None:
            st.caption(lang("upload_guessed", code=guessed[0][:40], value=guessed[1][:40], read_as=choices.read_as))
        kind = st.selectbox(lang("upload_kind"), KINDS, index=None, key="key_kind",
                            format_func=lambda k: lang(f"kind_{k}"), placeholder=lang("upload_choose_kind"))
        if upload is not None and kind is None:
            st.caption(lang("upload_default_kind", kind=lang(f"kind_{DEFAULT_KIND}")))
        source = st.text_input(lang("upload_source"), key="key_source", placeholder=lang("upload_source_placeholder"))
        label = st.text_input(lang("upload_label"), key="key_label")
        missing = st.checkbox(lang("upload_missing_zero"), value=False, key="key_missing")
        if upload is None:
            st.caption(lang("upload_caption"))
            return ()
        source = source.strip() or lang("upload_source_default", name=upload.name[:80])
        kind = kind or DEFAULT_KIND
        problems = list(file_problem)
        if not display:
            problems.append(lang("upload_need_name", field=lang("upload_name")))
        elif ident is None:
            problems.append(lang("upload_bad_name", field=lang("upload_name"), name=display[:40]))
        elif ident in builtin_keys():
            problems.append(lang("upload_name_taken", field=lang("upload_name"), name=ident))
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
                                  code_column=code_column, missing_as_zero=missing, sheet=sheet)
                except InputError as exc:
                    fix = lang("upload_missing_fix", field=lang("upload_missing_zero"))
                    # the command line's advice for missing municipalities: the app gives its check box
                    advice = [missing_fix(1), missing_fix(2)]
                    problems += [p.replace(advice[0], fix).replace(advice[1], fix) for p in exc.problems]
        if problems:
            st.error(lang("upload_problems", name=upload.name) + "\n\n" + "\n".join(f"- {p}" for p in problems))
            return ()
    label = label.strip() or (display if display != ident else "")
    return ((ident, upload.name, upload.getvalue(), value_column, code_column, missing, label, "",
             source, "", kind, sheet),)
