"""Layer 5 (faces): the command line, ``python -m allocation``. Thin: parse, call, print.

Bad input exits with code 2 and one line per problem on stderr, without a traceback
and without writing anything.
"""

from __future__ import annotations

import argparse
import copy
import gc
import os
import sys
from pathlib import Path

from allocation.common import i18n
from allocation.common.cells import frame_csv
from allocation.common.errors import InputError
from allocation.common.texts import LIST_LIMIT, clipped, quoted
from allocation.common.version import __version__

# Each command imports what it uses inside its handler: `keys`, `validate` and `explain` do
# not pay for the exporters, the workbook writers or the solvers of other commands.

def _keys(args: argparse.Namespace) -> int:
    from allocation.data.keys import builtin_keys, kind_word, unit_word

    t = i18n._
    for key in builtin_keys().values():
        print(f"{key.name}  [{kind_word(key.kind)}]")
        print(t("cli_key_label", label=key.label))
        print(t("cli_key_unit", unit=unit_word(key.unit)))
        print(t("cli_key_source", source=key.source))
        print(t("cli_key_vintage", vintage=key.vintage))
        if key.note:
            print(t("cli_key_note", note=key.note))
        print(t("cli_key_total", total=i18n.number(key.values.sum(), 2), count=len(key.values)))
        print()
    if args.scenario:
        from allocation.scenario.loading import load_scenario

        loaded = load_scenario(args.scenario)
        for name, spec in loaded.scenario.user_keys.items():
            key = loaded.keys[name]
            print(f"{name}  [{kind_word(key.kind)}]  " + t("cli_user_key_from", file=spec.file))
            print("\n".join([t("cli_key_label", label=key.label), t("cli_key_unit", unit=unit_word(key.unit)),
                             t("cli_key_source", source=key.source), t("cli_key_vintage", vintage=key.vintage)]))
            print()
    return 0


def _validate(args: argparse.Namespace) -> int:
    from allocation.scenario.loading import load_scenario
    from allocation.scenario.running import run_scenario

    loaded = load_scenario(args.scenario)
    run_scenario(loaded)  # infeasible settings are errors too
    count = len(loaded.scenario.pots)
    print(i18n.ngettext("cli_valid", "cli_valid_plural", count, scenario=args.scenario))
    return 0


def _run(args: argparse.Namespace) -> int:
    from allocation.analysis.summary import summary_text
    from allocation.publish.run_files import export_files
    from allocation.scenario.loading import load_scenario
    from allocation.scenario.running import run_scenario

    loaded = load_scenario(args.scenario)
    result = run_scenario(loaded)
    bands = None
    given = [flag for flag, value in (("--draws", args.draws), ("--seed", args.seed),
                                      ("--relative-sd", args.relative_sd), ("--profile-sd", args.profile_sd))
             if value is not None]
    if given and not args.with_sensitivity:
        raise InputError(i18n._("cli_only_with_sensitivity", flags=", ".join(given)))
    if args.with_sensitivity:  # the draws' modules only when asked for
        from allocation.analysis.sensitivity import band_table
        from allocation.scenario.sensitivity import run_draws

        spec = _spread(args, result)
        bands = band_table(result, run_draws(result, spec))
    files = export_files(result, dutch=args.dutch, workbook_format=args.format, bands=bands, side_process=True)
    written = _write(args, files, [result])
    print(summary_text(result), end="")
    _print_written(written)
    return 0


def _run_all(paths: list[str]) -> list:
    """Every scenario run; the problems of every file reported together, not just the first's."""
    from allocation.scenario.loading import load_scenario
    from allocation.scenario.running import run_scenario

    results, problems = [], []
    for path in paths:
        try:
            results.append(run_scenario(load_scenario(path)))
        except InputError as exc:
            problems += exc.problems
    if problems:
        raise InputError(problems)
    return results


def _compare(args: argparse.Namespace) -> int:
    from allocation.analysis.compare import compare
    from allocation.analysis.compare_text import summary_text as comparison_summary
    from allocation.analysis.mutaties import mutaties, mutaties_text
    from allocation.data.published_table import is_table
    from allocation.publish.comparison import comparison_files, negotiation_views

    baseline_table = is_table(args.scenarios[0])
    paths = args.scenarios[1:] if baseline_table else args.scenarios
    if args.pot is not None and not baseline_table:
        raise InputError(i18n._("cli_pot_needs_table"))
    results = _run_all(paths)
    if baseline_table:
        return _compare_with_table(Path(args.scenarios[0]), results, args)
    comparison = compare(results, baseline=0)
    labels = [info.label for info in comparison.others]  # two scenarios with the same id named apart
    found = ([mutaties(results[0].published, other, results[0].loaded.scenario_id) for other in results[1:]]
             if args.registers == "payment" else [])
    for item, label in zip(found, labels):
        item.scenario = label
    extra = negotiation_views(results[0], results[1:], labels)
    written = _write(args, comparison_files(comparison, found, extra), results)
    for result, info in zip(results, [comparison.baseline] + comparison.others):
        if info.label != result.loaded.scenario_id:
            print(i18n._("cli_note", note=i18n._("cmp_renamed", origin=result.loaded.origin,
                                                  id=result.loaded.scenario_id, label=info.label)))
    print(comparison_summary(comparison), end="")
    for item in found:
        print()
        print(mutaties_text(item), end="")
    _print_written(written)
    return 0


def _compare_with_table(table: Path, results: list, args: argparse.Namespace) -> int:
    from allocation.analysis.mutaties import mutaties, mutaties_text
    from allocation.data.input_files import read_bytes
    from allocation.data.published_table import pot_from_name, read_published_table
    from allocation.publish.files import join_files
    from allocation.publish.mutaties import mutaties_files

    if not results:
        raise InputError(i18n._("cli_table_needs_scenario", path=table))
    if not table.is_file():
        raise InputError(i18n._("cli_table_not_found", path=table))
    parts, texts = [], []
    for result in results:
        pot = args.pot or pot_from_name(table.name, list(result.scenario.pots))
        baseline = read_published_table(read_bytes(table), str(table), pot)
        found = mutaties(baseline, result, table.name)
        parts.append((result.loaded.origin, mutaties_files(found)))
        texts.append(mutaties_text(found))
    written = _write(args, join_files(parts), results)
    print("\n".join(texts), end="")
    _print_written(written)
    return 0


def _fit(args: argparse.Namespace) -> int:
    from allocation.analysis.fit import exact_fit, fit_table, fit_text
    from allocation.data.published_table import is_table, read_published_table
    from allocation.publish.fit import fit_files

    table = Path(args.table)
    if not table.is_file():
        raise InputError(i18n._("cli_table_not_found", path=table))
    if not is_table(table):
        raise InputError(i18n._("cli_table_kind", path=table))
    keys = [k.strip() for value in args.keys for k in value.split(",") if k.strip()] if args.keys else None
    # a workbook is read whole (the fit names its pots when --pot names none of them); a wide CSV needs its pot
    found = read_published_table(table.read_bytes(), str(table), args.pot if table.suffix.lower() == ".csv" else None)
    fit = fit_table(found, table.name, pot=args.pot, keys=keys, vast=args.vast_bedrag, years=args.years,
                    robust=args.robust)
    exact = exact_fit(fit, found) if args.exact else None
    written = _write(args, fit_files(fit, exact), [])
    print(fit_text(fit), end="")
    if exact is not None:
        print(i18n._("fitm_exact_vast" if exact.vast_bedrag_eur else "fitm_exact",
                     file=exact.key_file, eur=i18n.eur(exact.vast_bedrag_eur)))
    _print_written(written)
    return 0


def _two(args: argparse.Namespace, first: str, second: str) -> tuple:
    return tuple(_run_all([getattr(args, first), getattr(args, second)]))


def _levels(values: list[float], flag: str = "--max-loss-pct") -> list[float]:
    bad = [v for v in values if not 0 <= v <= 100]  # NaN fails too
    if bad:
        raise InputError(i18n._("cli_levels", flag=flag, values=", ".join(map(str, bad))))
    return sorted(set(values))


def _print_written(written: list[tuple[Path, bool]]) -> None:
    """Every file written, and said so where it replaced a file of the same name."""
    print()
    for path, replaced in written:
        print(i18n._("cli_replaced" if replaced else "cli_wrote", path=path))


#: The arguments that name input files, in every command.
_INPUT_ARGUMENTS = ("scenario", "scenarios", "reference", "target", "base", "other", "table")


def _inputs(args: argparse.Namespace, results: list) -> list[Path]:
    """Every file the command reads: the files named on the command line and the key files
    their scenarios name."""
    paths = []
    for name in _INPUT_ARGUMENTS:
        value = getattr(args, name, None)
        paths += [Path(v) for v in ([value] if isinstance(value, str) else value or [])]
    for result in results:
        loaded = result.loaded
        if loaded.base_dir is not None:
            paths += [Path(loaded.base_dir) / spec.file for spec in loaded.scenario.user_keys.values()]
    return paths


def _write(args: argparse.Namespace, files: dict[str, bytes], results: list) -> list[tuple[Path, bool]]:
    """Every command writes here: all or nothing into ``--out``, never over one of its inputs;
    each path with whether it replaced an earlier file (an earlier run's output), to be said."""
    from allocation.publish.files import write_files

    out = Path(args.out)
    existing = {name for name in files if (out / name).is_file()}
    return [(path, path.name in existing) for path in write_files(files, out, _inputs(args, results))]


def _guarantee(args: argparse.Namespace) -> int:
    from allocation.analysis.guarantee import COLUMNS as GUARANTEE_COLUMNS
    from allocation.analysis.guarantee import apply_guarantee, guarantee_text
    from allocation.analysis.levels import DEFAULT_MAX_LOSS_PCT, LEVELS
    from allocation.analysis.negotiation import guarantee_of
    from allocation.publish.circular_tables import allocation_csv
    from allocation.scenario.running import refresh_published

    reference, scenario = _two(args, "reference", "scenario")
    given = _levels(args.max_loss_pct) if args.max_loss_pct is not None else None
    level = args.max_loss_pct[0] if given else DEFAULT_MAX_LOSS_PCT  # the per-municipality file's level
    levels = given or list(LEVELS)
    if args.apply is not None:
        levels = sorted(set(levels) | set(_levels([args.apply], "--apply")))  # the level applied is in the table too
    guarantee = guarantee_of(reference, scenario, level, levels)
    table = guarantee.table[guarantee.table["max_loss_pct"].isin([float(v) for v in levels])]
    ids = reference.loaded.scenario_id, scenario.loaded.scenario_id
    csv = frame_csv(table[GUARANTEE_COLUMNS], float_format="%.2f")
    municipalities = frame_csv(guarantee.municipalities)
    files = {f"guarantee-{ids[0]}-vs-{ids[1]}.csv": csv,
             f"guarantee-{ids[0]}-vs-{ids[1]}-municipalities.csv": municipalities}
    if args.apply is not None:
        applied = copy.deepcopy(scenario)  # the scenario with the guarantee paid, on the payment-year registers
        paid = apply_guarantee(reference, scenario, args.apply).set_index(["pot", "year", "gm_code"])
        keyed = applied.allocation.set_index(["pot", "year", "gm_code"])
        keyed.loc[paid.index, "amount_eur"] = paid["amount_eur"]
        applied.allocation = keyed.reset_index()[applied.allocation.columns]
        refresh_published(applied)
        files[f"{ids[1]}-guarantee-{args.apply:g}-allocation.csv"] = allocation_csv(applied)
    written = _write(args, files, [reference, scenario])
    print(guarantee_text(table, *ids), end="")
    level_text = i18n.pct(level, 4, trim=True)
    print("\n" + i18n._("gua_per_year", level=level_text))
    for item in guarantee.years:
        if item.year == "all":
            continue
        if item.costs_nothing:
            said = i18n._("gua_costs_nothing", level=level_text)
        elif item.payers is None:
            said = i18n._("gua_year_unpaid", top_up=i18n.eur(item.top_up_eur), count=item.cost.topped_up)
        else:
            said = i18n._("gua_year_paid", top_up=i18n.eur(item.top_up_eur), count=item.cost.topped_up,
                          payers=item.payers, cap=i18n.pct(item.cost.gain_cap_pct, 2))
        print(f"  {item.pot} {item.year}: {said}")
    for problem in guarantee.unpaid:
        print(i18n._("cli_note", note=i18n._("gua_left_out", problem=problem)))
    _print_written(written)
    return 0


def _compromise(args: argparse.Namespace) -> int:
    from allocation.analysis.compromise import frontier_text
    from allocation.analysis.levels import LEVELS
    from allocation.analysis.negotiation import compromise_of
    from allocation.scenario.loading import parse_scenario

    reference, target = _two(args, "reference", "target")
    levels = _levels(args.max_loss_pct) if args.max_loss_pct is not None else list(LEVELS)
    one = levels[0] if len(levels) == 1 else None  # one level: write the compromise at it
    found = compromise_of(reference, target, args.pot, one, year=args.year, keys=args.keys, levels=levels)
    points, problem, least, year = list(found.points), found.problem, found.least_max_loss_pct, found.year
    ids = reference.loaded.scenario_id, target.loaded.scenario_id
    files = {f"compromise-{args.pot}-frontier.csv": frame_csv(found.frontier)}
    if found.scenario_yaml is not None:
        text = found.scenario_yaml
        parse_scenario(text, origin=f"compromise-{args.pot}.yaml", scenario_id=f"compromise-{args.pot}",
                       base_dir=reference.loaded.base_dir)  # it must be a valid scenario
        files[f"compromise-{args.pot}.yaml"] = text.encode("utf-8")
    written = _write(args, files, [reference, target])
    print(frontier_text(points, problem, least, args.pot, year, *ids), end="")
    if found.scenario_yaml is None:
        print(i18n._("cpr_none_feasible", least=i18n.pct(least, 4)))
    else:
        print(i18n._("cpr_chosen_smallest" if len(levels) > 1 else "cpr_chosen_asked",
                     level=i18n.pct(found.max_loss_pct, 4, trim=True)))
        print(i18n._("cpr_key_in_words", words=found.words))
    _print_written(written)
    return 0


def _brief(args: argparse.Namespace) -> int:
    from allocation.publish.brief import brief_files

    base, other = _two(args, "base", "other")
    level = _levels([args.max_loss_pct])[0]
    files = brief_files(base, other, pot=args.pot, year=args.year, max_loss_pct=level)
    _print_written(_write(args, files, [base, other]))
    return 0


def _decompose(args: argparse.Namespace) -> int:
    from allocation.analysis.decompose import decompose, decomposition_text
    from allocation.analysis.decompose import file_name as decomposition_file_name

    base, other = _two(args, "base", "other")
    table, notes = decompose(base, other)
    csv = frame_csv(table)
    written = _write(args, {decomposition_file_name(base, other): csv}, [base, other])
    for note in notes:
        print(i18n._("cli_note", note=note))
    print(decomposition_text(table, base.loaded.scenario_id, other.loaded.scenario_id), end="")
    _print_written(written)
    return 0


def _key_spreads(values: list[str] | None) -> dict[str, float]:
    spreads, problems = {}, []
    for value in values or []:
        name, _, number = value.partition("=")
        if name.strip() in spreads:
            problems.append(i18n._("cli_spread_twice", key=clipped(name.strip())))
            continue
        try:
            spreads[name.strip()] = float(number)
        except ValueError:
            problems.append(i18n._("cli_spread_form", value=quoted(value)))
    if problems:
        raise InputError(problems)
    return spreads


def _spread(args: argparse.Namespace, result):
    from allocation.scenario.sensitivity import spread_spec

    return spread_spec(result, args.draws, args.seed, _key_spreads(args.relative_sd), args.profile_sd)


def _sensitivity(args: argparse.Namespace) -> int:
    from allocation.analysis.sensitivity import band_csv, band_table, sensitivity_text
    from allocation.scenario.loading import load_scenario
    from allocation.scenario.running import run_scenario
    from allocation.scenario.sensitivity import run_draws

    result = run_scenario(load_scenario(args.scenario))
    spec = _spread(args, result)
    draws = run_draws(result, spec)
    table = band_table(result, draws)
    written = _write(args, {f"{result.loaded.scenario_id}-sensitivity.csv": band_csv(table)}, [result])
    print(sensitivity_text(table, draws, spec), end="")
    _print_written(written)
    return 0


def _explain(args: argparse.Namespace) -> int:
    from allocation.analysis.explain import explanation_text
    from allocation.data.municipality_names import find_municipality
    from allocation.data.registers import KEY_REGISTER_DATE
    from allocation.scenario.loading import load_scenario
    from allocation.scenario.running import run_scenario

    municipality = find_municipality(args.municipality)
    result = run_scenario(load_scenario(args.scenario))
    if args.year is None and municipality.first != KEY_REGISTER_DATE:
        raise InputError(i18n._("cli_explain_later", name=municipality.name, code=municipality.code,
                                first=municipality.first, register=KEY_REGISTER_DATE))
    print(explanation_text(result, municipality.code, args.year), end="")
    return 0


#: argparse's own words (usage, options, its errors) by their catalogue keys: Python's argparse asks
#: gettext for them, and the product answers from its own catalogue.
ARGPARSE_WORDS = {
    "usage: ": "argparse_usage",
    "positional arguments": "argparse_positional_arguments",
    "options": "argparse_options",
    "show this help message and exit": "argparse_show_this_help_message_and",
    "show program's version number and exit": "argparse_show_program_s_version_number",
    "the following arguments are required: %s": "argparse_the_following_arguments_are_required",
    "%(prog)s: error: %(message)s\n": "argparse_prog_s_error_message_s",
    "invalid choice: %(value)r (choose from %(choices)s)": "argparse_invalid_choice_value_r_choose",
    "argument %(argument_name)s: %(message)s": "argparse_argument_argument_name_s_message",
    "unrecognized arguments: %s": "argparse_unrecognized_arguments",
    "expected one argument": "argparse_expected_one_argument",
    "expected at least one argument": "argparse_expected_at_least_one_argument",
    "invalid %(type)s value: %(value)r": "argparse_invalid_type_s_value_value",
    "ambiguous option: %(option)s could match %(matches)s": "argparse_ambiguous_option_option_s_could",
    "not allowed with argument %s": "argparse_not_allowed_with_argument",
    "ignored explicit argument %r": "argparse_ignored_explicit_argument_r",
}


def _argparse_words(text: str) -> str:
    key = ARGPARSE_WORDS.get(text)
    return text if key is None else i18n._(key)


def _spread_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--draws", type=int, help=i18n._("clihelp_number_of_draws_default_the"))
    parser.add_argument("--seed", type=int, help=i18n._("clihelp_seed_of_the_draws_default"))
    parser.add_argument("--relative-sd", nargs="+", metavar="KEY=SD",
                        help=i18n._("clihelp_relative_spread_of_a_key"))
    parser.add_argument("--profile-sd", type=float, help=i18n._("clihelp_relative_spread_of_every_pot"))


def build_parser() -> argparse.ArgumentParser:
    """The command line's parser, its help in this context's language (see :func:`main`)."""
    from allocation.analysis.levels import DEFAULT_MAX_LOSS_PCT

    argparse._ = _argparse_words  # type: ignore[attr-defined]

    parser = argparse.ArgumentParser(
        prog="python -m allocation",
        description=i18n._("clihelp_distribute_dutch_civic_integration_budgets"),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--lang", choices=list(i18n.LANGUAGES),
                        help=i18n._("clihelp_language_of_the_messages_and"))
    commands = parser.add_subparsers(dest="command", required=True)

    keys = commands.add_parser("keys", help=i18n._("clihelp_list_the_available_distribution_keys"))
    keys.add_argument("scenario", nargs="?", help=i18n._("clihelp_also_list_the_user_keys"))
    keys.set_defaults(handler=_keys)

    validate = commands.add_parser("validate", help=i18n._("clihelp_check_a_scenario_file"))
    validate.add_argument("scenario")
    validate.set_defaults(handler=_validate)

    run = commands.add_parser("run", help=i18n._("clihelp_allocate_a_scenario_and_write"))
    run.add_argument("scenario")
    run.add_argument("--out", required=True, help=i18n._("clihelp_output_folder_created_if_needed"))
    run.add_argument(
        "--dutch",
        action="store_true",
        help=i18n._("clihelp_write_the_per_pot_csvs"),
    )
    run.add_argument(
        "--format", choices=["xlsx", "ods", "both"], default="both",
        help=i18n._("clihelp_the_meicirculaire_workbook_as_xlsx"),
    )
    run.add_argument(
        "--with-sensitivity",
        action="store_true",
        help=i18n._("clihelp_add_a_sheet_zekerheid_with"),
    )
    _spread_arguments(run)
    run.set_defaults(handler=_run)

    sensitivity = commands.add_parser(
        "sensitivity", help=i18n._("clihelp_how_sure_each_amount_is"))
    sensitivity.add_argument("scenario")
    sensitivity.add_argument("--out", required=True, help=i18n._("clihelp_output_folder_created_if_needed"))
    _spread_arguments(sensitivity)
    sensitivity.set_defaults(handler=_sensitivity)

    compare = commands.add_parser(
        "compare", help=i18n._("clihelp_compare_scenarios_with_a_baseline")
    )
    compare.add_argument(
        "scenarios", nargs="+", metavar="BASELINE",
        help=i18n._("clihelp_the_baseline_first_a_scenario"),
    )
    compare.add_argument("--out", required=True, help=i18n._("clihelp_output_folder_for_the_workbook"))
    compare.add_argument("--pot", help=i18n._("clihelp_the_pot_of_a_wide"))
    compare.add_argument(
        "--registers", choices=["key", "payment"], default="key",
        help=i18n._("clihelp_between_scenarios_also_compare_on"),
    )
    compare.set_defaults(handler=_compare)

    guarantee = commands.add_parser(
        "guarantee", help=i18n._("clihelp_what_nobody_loses_more_than"))
    guarantee.add_argument("reference", metavar="REFERENCE.yaml",
                           help=i18n._("clihelp_the_distribution_losses_are_measured"))
    guarantee.add_argument("scenario", metavar="SCENARIO.yaml")
    guarantee.add_argument("--out", required=True, help=i18n._("clihelp_output_folder_created_if_needed"))
    guarantee.add_argument("--max-loss-pct", type=float, nargs="+",
                           help=i18n._("clihelp_guarantee_levels_in_for_the"))
    guarantee.add_argument("--apply", type=float, metavar="X",
                           help=i18n._("clihelp_also_write_the_scenario_with"))
    guarantee.set_defaults(handler=_guarantee)

    compromise_ = commands.add_parser(
        "compromise", help=i18n._("clihelp_the_key_closest_to_target"))
    compromise_.add_argument("reference", metavar="REFERENCE.yaml")
    compromise_.add_argument("target", metavar="TARGET.yaml", help=i18n._("clihelp_the_needs_based_scenario_to"))
    compromise_.add_argument("--pot", required=True)
    compromise_.add_argument("--out", required=True, help=i18n._("clihelp_output_folder_created_if_needed"))
    compromise_.add_argument("--keys", nargs="+", help=i18n._("clihelp_keys_to_mix_default_the"))
    compromise_.add_argument("--max-loss-pct", type=float, nargs="+",
                             help=i18n._("clihelp_levels_in_default_0_1"))
    compromise_.add_argument("--year", type=int, help=i18n._("clihelp_the_payment_year_to_work"))
    compromise_.set_defaults(handler=_compromise)

    brief = commands.add_parser(
        "brief", help=i18n._("clihelp_a_dutch_brief_pdf_at"))
    brief.add_argument("base", metavar="BASE.yaml")
    brief.add_argument("other", metavar="OTHER.yaml")
    brief.add_argument("--out", required=True, help=i18n._("clihelp_output_folder_created_if_needed"))
    brief.add_argument("--pot", help=i18n._("clihelp_one_pot_default_all_shared"))
    brief.add_argument("--year", type=int, help=i18n._("clihelp_one_payment_year_default_all"))
    brief.add_argument("--max-loss-pct", type=float, default=DEFAULT_MAX_LOSS_PCT,
                       help=i18n._("clihelp_the_level_of_the_guarantee"))
    brief.set_defaults(handler=_brief)

    decompose_ = commands.add_parser(
        "decompose", help=i18n._("clihelp_split_each_municipality_s_change"))
    decompose_.add_argument("base", metavar="BASE.yaml")
    decompose_.add_argument("other", metavar="OTHER.yaml")
    decompose_.add_argument("--out", required=True, help=i18n._("clihelp_output_folder_created_if_needed"))
    decompose_.set_defaults(handler=_decompose)

    fit = commands.add_parser(
        "fit", help=i18n._("clihelp_which_key_made_this_table"))
    fit.add_argument("table", metavar="TABLE",
                     help=i18n._("clihelp_a_published_table_the_long"))
    fit.add_argument("--pot", help=i18n._("clihelp_the_pot_to_fit_a"))
    fit.add_argument("--out", required=True, help=i18n._("clihelp_output_folder_created_if_needed"))
    fit.add_argument("--keys", nargs="+", metavar="K1,K2",
                     help=i18n._("clihelp_the_keys_to_mix_default"))
    fit.add_argument("--vast-bedrag", action="store_true", help=i18n._("clihelp_also_fit_a_vast_bedrag"))
    fit.add_argument("--years", type=int, nargs="+", help=i18n._("clihelp_fit_only_these_payment_years"))
    fit.add_argument("--robust", action="store_true",
                     help=i18n._("clihelp_least_absolute_deviations_a_linear"))
    fit.add_argument("--exact", action="store_true",
                     help=i18n._("clihelp_also_write_a_user_key"))
    fit.set_defaults(handler=_fit)

    explain = commands.add_parser("explain", help=i18n._("clihelp_show_how_a_municipality_s"))
    explain.add_argument("scenario")
    explain.add_argument("municipality", help=i18n._("clihelp_name_number_or_code_amsterdam"))
    explain.add_argument("--year", type=int, help=i18n._("clihelp_explain_this_payment_year_on"))
    explain.set_defaults(handler=_explain)
    return parser


def _asked_language(argv: list[str]) -> str | None:
    """The language ``--lang`` asks for, read before parsing so that the help and argparse's
    own messages speak it too (None: not given or not a language; the parser then says so)."""
    for index, word in enumerate(argv):
        value = word.partition("=")[2] if word.startswith("--lang=") else (
            argv[index + 1] if word == "--lang" and index + 1 < len(argv) else None)
        if value is not None:
            return value if value in i18n.LANGUAGES else None
    return None


def main(argv: list[str] | None = None) -> int:
    try:
        i18n.default_language()
    except ValueError as exc:
        print(f"error: {i18n.ENV}: {exc}", file=sys.stderr)
        return 2
    words = list(sys.argv[1:] if argv is None else argv)
    with i18n.using(_asked_language(words)):
        args = build_parser().parse_args(words)
    with i18n.using(args.lang):  # None: ALLOCATION_LANG, otherwise Dutch
        return _handle(args)


#: Commands that load and run one scenario once: short, with memory bounded by that scenario.
#: The cyclic garbage collector is off while they run (on again after): it would otherwise
#: scan the objects of every imported module again and again (about a tenth of `validate`).
SHORT_COMMANDS = {"keys", "validate", "run", "explain"}

#: Set by :func:`_handle` when a short command ran without starting anything that cleans up
#: at exit (``run --with-sensitivity`` keeps its draws in a temporary folder): then
#: ``python -m allocation`` ends the process without the interpreter's teardown (see __main__).
ENDS_WITHOUT_TEARDOWN = False


def _handle(args: argparse.Namespace) -> int:
    global ENDS_WITHOUT_TEARDOWN
    collecting = gc.isenabled()
    short = args.command in SHORT_COMMANDS and not getattr(args, "with_sensitivity", False)
    ENDS_WITHOUT_TEARDOWN = short
    if short:
        gc.disable()
    else:  # a long command collects its garbage (`python -m allocation` starts with the collector off)
        gc.enable()
    try:
        if getattr(args, "out", None) is not None and not args.out.strip():
            raise InputError(i18n._("cli_empty_out"))
        return args.handler(args)
    except InputError as exc:
        problems = exc.problems[:LIST_LIMIT]
        if len(exc.problems) > LIST_LIMIT:
            problems.append(i18n._("cli_more_problems", count=i18n.number(len(exc.problems) - LIST_LIMIT)))
        for problem in problems:
            print(i18n._("cli_error", problem=problem), file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader went away (`... | head`): stop quietly, as other tools do
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    finally:
        if collecting:
            gc.enable()
        else:
            gc.disable()
