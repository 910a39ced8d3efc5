"""Layer 6 (faces): every text of the app, in Dutch (the default) and English: the one catalogue.

Read through :class:`allocation.faces.web.labels.Lang`; placeholders are filled with
:meth:`str.format`. A test checks that both languages have every label, that every label the
app asks for exists and that no label is left unused.
"""

from __future__ import annotations

LANGUAGES = {"nl": "Nederlands", "en": "English"}

#: label -> (Dutch, English)
CATALOGUE: dict[str, tuple[str, str]] = {
    # page and navigation
    "app_title": ("Inburgeringsgelden verdelen", "Allocating the integration budgets"),
    "app_caption": (
        "Kamerbrief 28 april 2021 (Kamerstuk 35 483 nr. 73). De bedragen per gemeente zijn de berekening van dit "
        "programma onder de bronnen en aannames van het scenario.",
        "Kamerbrief 28 April 2021 (Kamerstuk 35 483 nr. 73). Per-municipality amounts are this product's own "
        "computation under the scenario's stated sources and assumptions.",
    ),
    "language": ("Taal / Language", "Taal / Language"),
    "view": ("Weergave", "View"),
    "view_allocation": ("Verdeling", "Allocation"),
    "view_certainty": ("Zekerheid", "Certainty"),
    "view_scenario": ("Scenario", "Scenario"),
    "view_compare": ("Vergelijken", "Compare"),
    "view_export": ("Exporteren", "Export"),
    "allocating": ("Verdelen…", "Allocating…"),
    "pot": ("Pot", "Pot"),
    "payment_year": ("Betaaljaar", "Payment year"),
    "per_inhabitant": ("per inwoner", "per inhabitant"),
    "pot_year": ("{pot}, betaaljaar {year}", "{pot}, payment year {year}"),
    "hover_difference": ("verschil {amount}", "difference {amount}"),
    "map_no_difference": ("Uw wijzigingen veranderen deze pot in dit jaar niet: de kaart toont het bedrag per inwoner.",
                          "Your changes do not change this pot in this year: the map shows the amount per inhabitant."),
    "map_level_caption": ("De kleuren lopen van {low} tot {high} per inwoner (95% van de gemeenten valt daarbinnen); "
                          "wijs een gemeente aan voor de precieze bedragen.",
                          "Colours run from {low} to {high} per inhabitant (95% of municipalities lie within); "
                          "hover for the exact figures."),
    "yes": ("ja", "yes"),
    "no": ("nee", "no"),
    "download": ("Download {name}", "Download {name}"),
    "download_yaml": ("Download het scenario ({name})", "Download the scenario ({name})"),
    "summary_text": ("Samenvatting als tekst", "Summary as text"),
    "summary_show": ("Toon de samenvatting", "Show the summary"),
    "english_text": (
        "Deze tekst schrijft de bibliotheek, net als de opdrachtregel, in het Engels.",
        "The library writes this text, as the command line does.",
    ),
    "not_utf8": (
        "{name}: geen UTF-8-tekst; sla het bestand op als UTF-8",
        "{name}: not UTF-8 text; save the file as UTF-8",
    ),
    # scenario choice
    "scenario_header": ("Scenario", "Scenario"),
    "start_from": ("Beginnen met", "Start from"),
    "start_shipped": ("Een meegeleverd scenario", "A shipped scenario"),
    "start_upload": ("Een eigen YAML-bestand", "A YAML file of your own"),
    "shipped_scenario": ("Meegeleverd scenario", "Shipped scenario"),
    "scenario_file": ("Scenariobestand (YAML)", "Scenario file (YAML)"),
    "upload_or_shipped": (
        "Upload een scenariobestand, of begin met een meegeleverd scenario.",
        "Upload a scenario file, or start from a shipped scenario.",
    ),
    "scenario_invalid": (
        "{origin} is geen geldig scenario (dezelfde meldingen als de opdrachtregel):",
        "{origin} is not a valid scenario (the same messages as the command line):",
    ),
    # the title and the edited state
    "title_edited": ("{name}, bewerkt ({count} wijzigingen)", "{name}, edited ({count} changes)"),
    "change_absent": ("afwezig", "absent"),
    "edits_kept_in": ("Uw wijzigingen in {scenarios} blijven bewaard: kies dat scenario weer om verder te gaan.",
                      "Your changes to {scenarios} are kept: choose that scenario again to go on."),
    "edits_show": ("Bekijk de {count} wijzigingen", "See the {count} changes"),
    "edits_show_caption": (
        "Elke wijziging staat met de oude waarde in het scenariobestand (weergave Scenario).",
        "Each change is labelled with its old value in the scenario file (Scenario view).",
    ),
    "edits_partly": (
        "{count} wijziging(en) zijn niet toegepast: zie de melding bij het veld. De andere wijzigingen "
        "zijn wel toegepast.",
        "{count} change(s) are not applied: see the message at the field. The other changes are.",
    ),
    "edits_invalid": (
        "De wijzigingen zijn niet geldig; het scenario wordt zonder getoond:",
        "The edits are not valid; showing the scenario without them:",
    ),
    "edits_list_header": (
        "Uw wijzigingen (elk met de oude waarde gelabeld in het bestand hieronder):",
        "Your changes (each labelled with the old value in the file below):",
    ),
    "no_edits_yet": (
        "Nog geen wijzigingen: pas getallen aan onder Bewerken in de zijbalk.",
        "No changes yet: change numbers under Edit in the sidebar.",
    ),
    # sidebar editors
    "edit_header": ("Bewerken: {pot}", "Edit: {pot}"),
    "edit_choose_pot": (
        "Kies de pot en het jaar boven de weergave; hier bewerkt u die pot.",
        "Choose the pot and year above the view; here you edit that pot.",
    ),
    "edit_reset": ("Alle wijzigingen ongedaan maken", "Undo all changes"),
    "edit_not_applied": (
        "Niet toegepast: {what}. De meldingen van de opdrachtregel (in het Engels):",
        "Not applied: {what}. The command line's messages:",
    ),
    "field_budget": ("Budget (€)", "Budget (€)"),
    "field_scale_years": ("Betaaljaren meeschalen met het budget", "Scale the payment years with the budget"),
    "field_years_euros": ("Betaaljaren (€)", "Payment years (€)"),
    "field_years_shares": ("Betaaljaren (aandeel)", "Payment years (share)"),
    "field_vast_bedrag": ("Vast bedrag (€ per gemeente per jaar)", "Vast bedrag (€ per municipality per year)"),
    "help_vast_bedrag": (
        "Een vast bedrag dat elke gemeente eerst krijgt; de rest volgt de sleutel.",
        "A fixed amount every municipality gets first; the rest follows the key.",
    ),
    "field_weights": ("Gewichten van de verdeelsleutel (samen geschaald tot 1)", "Key weights (scaled to sum to 1)"),
    "help_weight": ("Gewicht van de sleutel `{name}`.", "Weight of the key `{name}`."),
    "weights_all_zero": (
        "pots.{pot}.key.weights: minstens één gewicht moet boven nul zijn; de laatste gewichten blijven staan",
        "pots.{pot}.key.weights: at least one weight must be positive; keeping the last weights",
    ),
    "field_constraints": ("Grenzen (leeg = geen)", "Constraints (empty = none)"),
    "field_minimum_eur": ("Minimum per gemeente per jaar (€)", "Minimum per municipality per year (€)"),
    "field_minimum_eur_per_inhabitant": (
        "Minimum per gemeente per jaar (€ per inwoner)",
        "Minimum per municipality per year (€ per inhabitant)",
    ),
    "field_maximum_eur": ("Maximum per gemeente per jaar (€)", "Maximum per municipality per year (€)"),
    "field_maximum_eur_per_inhabitant": (
        "Maximum per gemeente per jaar (€ per inwoner)",
        "Maximum per municipality per year (€ per inhabitant)",
    ),
    "field_in_years": (", in {years}", ", in {years}"),
    "field_year_band": ("Jaarband", "Year band"),
    "field_transition": ("Ingroeiregeling", "Transition band"),
    "field_max_less": ("max. % minder", "max % less"),
    "field_max_more": ("max. % meer", "max % more"),
    "help_empty_is_none": ("Leeg laten: geen grens.", "Leave empty: no limit."),
    "field_source": (
        "Bron van deze wijzigingen (leeg: gelabeld als aanname uit de app)",
        "Source of these changes (empty: labelled as an assumption made in the app)",
    ),
    "help_source": (
        "Waar de nieuwe getallen vandaan komen; zonder bron wordt elke wijziging als aanname gelabeld.",
        "Where the new numbers come from; without one each change is labelled as an assumption.",
    ),
    "field_at_least": ("minstens {value}", "at least {value}"),
    "field_at_most": ("hoogstens {value}", "at most {value}"),
    "field_kept": ("de laatste geldige waarde blijft staan", "the last valid value is kept"),
    "unit_budget": ("budget en betaaljaren", "budget and payment years"),
    "unit_vast_bedrag": ("vast bedrag", "vast bedrag"),
    "unit_weights": ("gewichten van de sleutel", "key weights"),
    "unit_minimum": ("minimum", "minimum"),
    "unit_maximum": ("maximum", "maximum"),
    "unit_year_band": ("jaarband", "year band"),
    "unit_transition": ("ingroeiregeling", "transition band"),
    "unit_groups": ("groepsgrenzen", "group limits"),
    "unit_caps": ("grenzen over potten", "cross-pot caps"),
    "unit_eur": ("€", "€"),
    "unit_eur_per_inhabitant": ("€ per inwoner", "€ per inhabitant"),
    # numbers typed in a field
    "number_empty": ("vul een getal in", "enter a number"),
    "number_not_a_number": (
        "{text} is geen getal; schrijf bijvoorbeeld 3.500.000 of 0,25",
        "{text} is not a number; write for example 3,500,000 or 0.25",
    ),
    "number_ambiguous": (
        "{text} is niet eenduidig: in het Nederlands is de komma het decimaalteken en scheidt de punt duizendtallen",
        "{text} is ambiguous: in English the point is the decimal mark and the comma separates thousands",
    ),
    "number_did_you_mean": ("; bedoelt u {options}?", "; did you mean {options}?"),
    "number_or": (" of ", " or "),
    "number_too_large": ("het getal is te groot", "the number is too large"),
    "number_whole": ("vul een geheel aantal euro's in", "enter whole euros"),
    # groups and cross-pot caps
    "groups_header": ("Groepsgrenzen ({count})", "Group limits ({count})"),
    "groups_caption": (
        "Het totaal van een groep per betaaljaar: minstens / hoogstens een aandeel van de pot of een bedrag.",
        "A group's total per payment year: at least / at most a share of the pot or an amount.",
    ),
    "group_choice_province": ("{name} ({code}, {count} gemeenten)", "{name} ({code}, {count} municipalities)"),
    "group_choice_region": (
        "{code} ({count} gemeenten, o.a. {largest})",
        "{code} ({count} municipalities, incl. {largest})",
    ),
    "group_choice_size": ("{label} inwoners ({count} gemeenten)", "{label} inhabitants ({count} municipalities)"),
    "group_add": ("Groep toevoegen", "Add a group"),
    "group_new": ("Nieuwe groep {number}", "New group {number}"),
    "group_by": ("Groep volgens", "Group by"),
    "group_province": ("Provincie", "Province"),
    "group_veiligheidsregio": ("Veiligheidsregio", "Veiligheidsregio"),
    "group_size_class": ("Gemeentegrootteklasse", "Size class"),
    "group_codes": ("Gemeentecodes", "Municipality codes"),
    "group_codes_field": ("Codes (gescheiden door komma's)", "Codes (comma-separated)"),
    "group_name": ("Naam (leeg: de naam van de groep zelf)", "Name (empty: the group's own name)"),
    "group_min": ("Minimum", "Minimum"),
    "group_max": ("Maximum", "Maximum"),
    "group_years": ("In {years} (de jaren wijzigt u in het YAML-bestand)", "In {years} (edit the years in the YAML)"),
    "group_remove": ("Deze groep verwijderen", "Remove this group"),
    "limit_none": ("geen", "none"),
    "limit_share": ("aandeel van de pot (0-1)", "share of the pot (0-1)"),
    "limit_eur": ("€", "€"),
    "caps_header": ("Grenzen over potten ({count})", "Cross-pot caps ({count})"),
    "caps_caption": (
        "Hoogstens een bedrag per gemeente per betaaljaar voor meerdere potten samen.",
        "At most an amount per municipality per payment year for several pots together.",
    ),
    "caps_add": ("Grens over potten toevoegen", "Add a cross-pot cap"),
    "caps_cap": ("Grens {number}", "Cap {number}"),
    "caps_new": ("Nieuwe grens {number}", "New cap {number}"),
    "caps_pots": ("Potten", "Pots"),
    "caps_unit": ("Eenheid", "Unit"),
    "caps_amount": ("Hoogstens, per gemeente per jaar", "At most, per municipality per year"),
    "caps_remove": ("Deze grens verwijderen", "Remove this cap"),
    # key upload
    "upload_header": ("Verdeelsleutel uploaden (CSV, xlsx, ODS)", "Upload a key (CSV, xlsx, ODS)"),
    "upload_file": ("Sleutelbestand (CSV, tekst, xlsx of ODS)", "Key file (CSV, text, xlsx or ODS)"),
    "upload_sheet": ("Werkblad", "Sheet"),
    "upload_name": ("Naam van de sleutel (leeg: de bestandsnaam)", "Key name (empty: the file name)"),
    "upload_name_placeholder": ("bijvoorbeeld ELIP DUO", "for example ELIP DUO"),
    "upload_id": ("Sleutel {name!r}, id {id}", "Key {name!r}, id {id}"),
    "upload_code_column": ("Kolom met de gemeente (code, nummer of naam)",
                           "Municipality column (code, number or name)"),
    "upload_value_column": ("Kolom met de waarden", "Value column"),
    "upload_choose_column": ("kies een kolom uit het bestand", "choose a column of the file"),
    "upload_guessed": (
        "Kolommen gekozen uit het bestand: gemeente {code!r}, waarden {value!r} ({read_as}); kies andere als "
        "dat niet klopt.",
        "Columns chosen from the file: municipality {code!r}, values {value!r} ({read_as}); choose others if "
        "that is wrong.",
    ),
    "upload_kind": ("Soort gegevens", "Kind of data"),
    "upload_choose_kind": ("kies: echt, proxy of aanname", "choose: real, proxy or assumption"),
    "upload_default_kind": (
        "Zolang u niets kiest, telt de sleutel als {kind}; kies echt of proxy als de cijfers gemeten of "
        "gepubliceerd zijn.",
        "Until you choose, the key counts as {kind}; choose real or proxy if the figures are measured or "
        "published.",
    ),
    "upload_source": ("Bron", "Source"),
    "upload_source_placeholder": ("waar de getallen vandaan komen", "where the numbers come from"),
    "upload_source_default": ("geüpload bestand {name}, bron niet opgegeven", "uploaded file {name}, source not given"),
    "upload_label": ("Omschrijving (leeg: de naam)", "Label (empty: the name)"),
    "upload_missing_zero": ("Ontbrekende gemeenten tellen als nul", "Count missing municipalities as zero"),
    "upload_caption": (
        "Een rij per gemeente: een code zoals GM0363, een nummer zoals 363 of de naam, en een waarde. Na het "
        "uploaden geeft u de sleutel een gewicht onder Bewerken.",
        "A row per municipality: a code like GM0363, a number like 363 or the name, and a value. After the "
        "upload, give the key a weight under Edit.",
    ),
    "upload_problems": ("{name} kan nog niet worden gebruikt:", "{name} cannot be used yet:"),
    "upload_need_name": (
        "{field}: vul een naam in, bijvoorbeeld ELIP DUO",
        "{field}: enter a name, for example ELIP DUO",
    ),
    "upload_bad_name": (
        "{field}: {name!r} moet met een letter beginnen, bijvoorbeeld ELIP DUO of elip_duo",
        "{field}: {name!r} must start with a letter, for example ELIP DUO or elip_duo",
    ),
    "upload_name_taken": (
        "{field}: {name!r} is de naam van een ingebouwde sleutel; kies een andere",
        "{field}: {name!r} is a built-in key's name; choose another",
    ),
    "upload_need_column": ("{field}: kies een kolom uit het bestand", "{field}: choose a column of the file"),
    "upload_missing_fix": ("Vul ze aan, of vink '{field}' aan om ze als nul te tellen",
                           "Add them, or tick '{field}' to count them as zero"),
    "upload_same_column": (
        "{code} en {value} zijn dezelfde kolom; kies voor de waarden een andere kolom",
        "{code} and {value} are the same column; choose another column for the values",
    ),
    "key_upload_cannot": (
        "Het geüploade sleutelbestand kan niet worden gebruikt",
        "The uploaded key file cannot be used",
    ),
    "runs_without": (" (het scenario draait zonder):", " (the scenario runs without it):"),
    "key_loaded": (
        "Sleutel {name} geladen: geef hem een gewicht onder Bewerken.",
        "Key {name} loaded: give it a weight under Edit.",
    ),
    # kinds and keys
    "kind_real": ("echt", "real"),
    "kind_proxy": ("proxy", "proxy"),
    "kind_assumption": ("aanname", "assumption"),
    "key_vast_bedrag": ("Gelijk deel per gemeente", "Equal part per municipality"),
    "key": ("Verdeelsleutel", "Key"),
    "budget": ("Budget", "Budget"),
    "budget_sourced": ("bron", "source"),
    "vast_bedrag_line": (" + vast bedrag {amount} per gemeente", " + vast bedrag {amount} per municipality"),
    "budget_of_year": ("Budget {year}: {provenance}", "Budget {year}: {provenance}"),
    "year_kind_sourced": ("bron", "source"),
    "year_kind_assumption": ("aanname", "assumption"),
    # allocation view
    "on_key_register": (
        "Toon op het sleutelregister 2021 (zoals berekend) in plaats van het register van het betaaljaar",
        "Show on the 2021 key register (as computed) instead of the payment year's register",
    ),
    "metric_total": ("Totaal {year}", "Total {year}"),
    "metric_municipalities": ("Gemeenten", "Municipalities"),
    "metric_median_per_inhabitant": ("Mediaan per inwoner", "Median per inhabitant"),
    "metric_edits": ("Wijzigingen", "Changes"),
    "metric_no_edits": ("geen", "none"),
    "help_no_edits": (
        "Wijzig de sleutel in de zijbalk; hier ziet u dan meteen wat het doet en voor wie.",
        "Change the key in the sidebar; here you then see at once what it does, and to whom.",
    ),
    "metric_redistributed": ("Herverdeeld", "Redistributed"),
    "metric_total_change": ("totaal {amount}", "total {amount}"),
    "help_redistributed": (
        "De helft van de som van de verschillen per gemeente: bij een gelijk totaal precies het "
        "geld dat van verliezers naar winnaars gaat.",
        "Half the sum of the absolute differences per municipality: with equal totals, exactly "
        "the money that moves from losers to gainers.",
    ),
    "metric_losing_5": ("Gemeenten > 5% minder", "Municipalities > 5% less"),
    "help_losing_5": (
        "Gemeenten die meer dan 5% verliezen (in hele euro's bepaald); {gaining} winnen meer dan 5%.",
        "Municipalities losing more than 5% (decided in whole euros); {gaining} gain more than 5%.",
    ),
    "metric_largest_loss": ("Grootste verlies", "Largest loss"),
    "metric_largest_gain": ("Grootste winst", "Largest gain"),
    "metric_nobody": ("niemand", "nobody"),
    "register_of": ("het register van {date}", "the register of {date}"),
    "strip_caption": (
        "Tegenover het uitgangsscenario ({origin}), betaaljaar {year}, per gemeente van de tabel: {count} gemeenten "
        "van {register}. Vergelijken rekent op het sleutelregister 2021 (vóór herindelingen), dus daar kan "
        "'Herverdeeld' iets anders uitvallen.",
        "Against the scenario it started from ({origin}), payment year {year}, per municipality of the table: "
        "{count} municipalities of {register}. Compare works on the 2021 key register (before mergers), so "
        "'Redistributed' can come out a little different there.",
    ),
    "map_show": ("Kaart", "Map"),
    "map_interactive": ("Interactieve kaart (zoomen en slepen)", "Interactive map (zoom and pan)"),
    "map_aria": ("Kaart van de gemeenten", "Map of the municipalities"),
    "map_show_diff": ("verschil met het uitgangsscenario", "difference from the starting scenario"),
    "map_show_level": ("bedrag per inwoner", "amount per inhabitant"),
    "map_title_level": (
        "{title}: € per inwoner, {count} gemeenten",
        "{title}: € per inhabitant, {count} municipalities",
    ),
    "map_title_uniform": ("{title}: gelijk, {rate} per inwoner", "{title}: uniform, {rate} per inhabitant"),
    "map_title_diff": ("{title}: verschil in € per inwoner", "{title}: difference in € per inhabitant"),
    "map_uniform": (
        "Gelijk: {rate} per inwoner. De verschillen tussen gemeenten zijn alleen afronding op hele "
        "euro's, dus de kaart kleurt ze niet.",
        "Uniform: {rate} per inhabitant. The differences between municipalities are only rounding to "
        "whole euros, so the map does not colour them.",
    ),
    "map_colorbar_level": ("€ per<br>inwoner", "€ per<br>inhabitant"),
    "map_colorbar_diff": ("verschil<br>€ per inwoner", "difference<br>€ per inhabitant"),
    "map_diff_caption": (
        "Rood: minder, blauw: meer. De kleuren lopen tot ± {limit} per inwoner (95% van de "
        "gemeenten valt daarbinnen); wijs een gemeente aan voor de precieze bedragen.",
        "Red: less, blue: more. Colours end at ± {limit} per inhabitant (95% of municipalities "
        "lie within); hover for the exact figures.",
    ),
    "where_key_register": (
        "het sleutelregister 2021, waarop de bedragen worden berekend",
        "the 2021 key register, on which the amounts are computed",
    ),
    "where_payment_register": (
        "het register op de peildatum {date} ({provenance}); een heringedeelde gemeente krijgt "
        "de som van haar voorgangers",
        "the register in force on the peildatum {date} ({provenance}); a merged "
        "municipality gets the sum of its predecessors' amounts",
    ),
    "map_caption": (
        "Gemeenten van {where}. Inwoners: CBS, 30 april 2021. Grenzen: CBS/Kadaster (CC BY 4.0).",
        "Municipalities of {where}. Inhabitants: CBS, 30 April 2021. Boundaries: CBS/Kadaster (CC BY 4.0).",
    ),
    "search": ("Zoek een gemeente, code of provincie", "Search a municipality, code or province"),
    "search_placeholder": ("bijvoorbeeld Utrecht of 363", "for example Utrecht or 363"),
    "rows_shown": (
        "{shown} van {total} gemeenten; bedragen in hele euro's.",
        "{shown} of {total} municipalities; amounts in whole euros.",
    ),
    "constraints_header": ("Grenzen en wie erop zit: {pot}, {year}", "Constraints and who sits on them: {pot}, {year}"),
    "no_bound": (
        "In {year} zit geen gemeente op een grens: de bedragen volgen de sleutel.",
        "No municipality sits on a constraint in {year}: the amounts follow the key.",
    ),
    "bound_rows_cut": ("De {shown} met het grootste effect van {total} gemeenten op een grens; zoek om een andere "
                       "gemeente te vinden.", "The {shown} with the largest effect of {total} municipalities on a "
                       "bound; search to find another."),
    "bound_caption": (
        "Per gemeente op een grens (sleutelregister 2021): de grens, het bedrag volgens de sleutel, het "
        "betaalde bedrag en het verschil. Het zoekveld filtert ook deze rijen.",
        "Per municipality on a bound (2021 key register): the constraint, the pure key amount, the "
        "amount paid and the difference. The search box filters these rows too.",
    ),
    "explain_header": (
        "Hoe de bedragen van een gemeente uit de sleutels volgen (om na te rekenen)",
        "How a municipality's amounts follow from the keys (to recompute them)",
    ),
    "explain_show": ("Toon de berekening", "Show the computation"),
    "explain_municipality": ("Gemeente (register 2021)", "Municipality (2021 register)"),
    "explain_caption": (
        "De uitleg schrijft de bibliotheek, net als de opdrachtregel (`explain`), in het Engels.",
        "The library writes the explanation, as the command line's `explain` does.",
    ),
    "phasing_header": ("Verdeling over de jaren", "Year phasing"),
    "phasing_chart_show": ("Toon als grafiek", "Show as a chart"),
    "phasing_caption": (
        "Gearceerd: het budget van dat jaar is een aanname; effen: uit een bron.",
        "Hatched: that year's budget is an assumption; plain: from a source.",
    ),
    "provenance_header": (
        "Herkomst: welke cijfers echt, proxy of aanname zijn",
        "Provenance: which figures are real, proxy or assumption",
    ),
    # table headers
    "col_municipality": ("Gemeente", "Municipality"),
    "col_municipalities": ("Gemeenten", "Municipalities"),
    "col_amount": ("Bedrag", "Amount"),
    "col_per_inhabitant": ("€ per inwoner", "€ per inhabitant"),
    "col_verschil": ("Verschil", "Difference"),
    "col_verschil_pct": ("Verschil %", "Difference %"),
    "col_province": ("Provincie", "Province"),
    "col_inhabitants": ("Inwoners", "Inhabitants"),
    "col_size_class": ("Grootteklasse (inwoners)", "Size class (inhabitants)"),
    "col_pot": ("Pot", "Pot"),
    "col_year": ("Jaar", "Year"),
    "col_year_kind": ("Budget van het jaar", "Year budget"),
    "col_provenance": ("Herkomst", "Provenance"),
    "col_budget": ("Budget", "Budget"),
    "col_budget_source": ("Herkomst budget", "Budget provenance"),
    "col_years": ("Betaaljaren", "Payment years"),
    "col_key_source": ("Herkomst sleutel", "Key provenance"),
    "col_keys": ("Sleutels (gewicht, soort)", "Keys (weight, kind)"),
    "col_key_name": ("Sleutel", "Key"),
    "col_label": ("Omschrijving", "Label"),
    "col_kind": ("Soort", "Kind"),
    "col_unit": ("Eenheid", "Unit"),
    "col_source": ("Bron", "Source"),
    "col_vintage": ("Peiljaar", "Vintage"),
    "col_used": ("Gebruikt", "Used"),
    "col_constraint": ("Grens", "Constraint"),
    "col_effect": ("Effect (bedrag min sleutel)", "Effect (amount minus key)"),
    "col_key_amount": ("Volgens sleutel", "Pure key"),
    "col_p5": ("p5", "p5"),
    "col_p50": ("p50", "p50"),
    "col_p95": ("p95", "p95"),
    "col_band_pct": ("Bandbreedte %", "Band width %"),
    "col_published": ("Gepubliceerd", "Published"),
    "col_scenario": ("Scenario", "Scenario"),
    "col_mutatie": ("Mutatie", "Mutatie"),
    "col_top_up": ("Aanvulling (€)", "Top-up (€)"),
    "col_max_loss": ("Niemand verliest meer dan", "Nobody loses more than"),
    "col_gain_cap": ("Winstgrens die het betaalt (%)", "Gain cap that pays it (%)"),
    "col_distance": ("Afstand (€)", "Distance (€)"),
    "col_distance_pct": ("Afstand (% van het budget)", "Distance (% of the budget)"),
    "col_feasible": ("Haalbaar", "Feasible"),
    "col_vast_bedrag": ("Vast bedrag", "Vast bedrag"),
    "col_weight": ("Gewicht {key}", "Weight {key}"),
    # compare view
    "compare_caption": (
        "Elk scenario wordt per gemeente van het sleutelregister 2021 vergeleken met de basis, per pot "
        "en betaaljaar en opgeteld.",
        "Every scenario is compared with the baseline per municipality of the 2021 key register, per "
        "pot and payment year and summed.",
    ),
    "compare_upload": ("Scenario's toevoegen om te vergelijken (YAML)", "Add scenarios to compare (YAML)"),
    "compare_scenarios": ("Scenario's", "Scenarios"),
    "compare_baseline": ("Basis", "Baseline"),
    "compare_edited": ("Bewerkt ({id})", "Edited ({id})"),
    "compare_origin": ("Uitgangsscenario ({id})", "Starting scenario ({id})"),
    "compare_uploaded": ("Geüpload: {name}", "Uploaded: {name}"),
    "compare_choose_two": ("Kies minstens twee scenario's.", "Choose at least two scenarios."),
    "compare_choose_two_there": (
        "Kies minstens twee scenario's in de weergave Vergelijken.",
        "Choose at least two scenarios in the Compare view.",
    ),
    "comparing": ("Vergelijken…", "Comparing…"),
    "compare_cannot": ("Deze scenario's kunnen niet worden vergeleken:", "These scenarios cannot be compared:"),
    "compare_against": ("Scenario tegenover de basis", "Scenario against the baseline"),
    "compare_level": ("Niveau", "Level"),
    "level_pot_year": ("{pot}, {year}", "{pot}, {year}"),
    "level_pot": ("{pot}, alle jaren", "{pot}, all years"),
    "level_all": ("alle potten en jaren", "all pots and years"),
    "level_title": ("{pot}, {year}", "{pot}, {year}"),
    "all_pots": ("alle potten", "all pots"),
    "all_years": ("alle jaren", "all years"),
    "compare_title": ("{scenario} tegenover {baseline}", "{scenario} against {baseline}"),
    "metric_baseline": ("Basis", "Baseline"),
    "gini_line": (
        "Gini van € per inwoner: {base} in de basis, {other} in het scenario.",
        "Gini of € per inhabitant: {base} in the baseline, {other} in the scenario.",
    ),
    "help_gini": (
        "0: elke inwoner krijgt hetzelfde; hoger: het geld is meer geconcentreerd.",
        "0: every inhabitant gets the same; higher: the money is more concentrated.",
    ),
    "compare_map_title": ("{scenario} min {baseline}: {where}", "{scenario} minus {baseline}: {where}"),
    "bands_title": ("Gemeenten per klasse", "Municipalities per band"),
    "band_0": ("winst > 5%", "gain > 5%"),
    "band_1": ("winst 0,1-5%", "gain 0.1-5%"),
    "band_2": ("gelijk (binnen ±0,1%)", "no change (within ±0.1%)"),
    "band_3": ("verlies 0,1-5%", "loss 0.1-5%"),
    "band_4": ("verlies > 5%", "loss > 5%"),
    "largest_losses": ("Grootste verliezers", "Largest losers"),
    "by_size_class": ("Per grootteklasse (CBS)", "By size class (CBS)"),
    "by_province": ("Per provincie", "By province"),
    "compare_download_hint": (
        "Het vergelijkingswerkboek en de CSV's downloadt u in de weergave Exporteren.",
        "Download the comparison workbook and its CSVs in the Export view.",
    ),
    "negotiate_toggle": (
        "Onderhandelen: wat een garantie kost, de compromissleutel, waarom een gemeente verliest "
        "({scenario} tegenover {baseline})",
        "Negotiate: what a guarantee costs, the compromise key, why a municipality loses "
        "({scenario} against {baseline})",
    ),
    "negotiate_cannot": (
        "De onderhandelingscijfers kunnen niet worden berekend:",
        "The negotiation figures cannot be computed:",
    ),
    "brief_download": ("Brief om door te sturen (PDF)", "Brief to forward (PDF, in Dutch)"),
    "brief_help": (
        "Een Nederlandstalig document van ten hoogste 6 pagina's: kerncijfers, kaart, verliezers en winnaars, "
        "garantie bij 5% met wie betaalt, compromissleutel, bronnen. Wordt gemaakt als u klikt (enkele seconden).",
        "A Dutch document of at most 6 pages: headline, map, losers and gainers, the 5% guarantee with who pays, "
        "the compromise key, sources. Made when you click (a few seconds).",
    ),
    "tab_guarantee": ("Wat een garantie kost", "What a guarantee costs"),
    "tab_compromise": ("De compromissleutel", "The compromise key"),
    "tab_why": ("Waarom een gemeente verliest", "Why a municipality loses"),
    "axis_max_loss": ("niemand verliest meer dan X%", "nobody loses more than X%"),
    "guarantee_title": (
        "Extra geld dat een garantie vraagt (alle gedeelde jaren)",
        "Extra money a guarantee needs (all shared years)",
    ),
    "guarantee_caption": (
        "Zonder extra geld wordt de garantie betaald door winsten te begrenzen: de getoonde grens "
        "haalt precies de aanvulling op (naar beneden afgerond op 0,01 punt). Leeg: niets te "
        "betalen, of alle winst begrenzen is niet genoeg.",
        "Without extra money the guarantee is paid by capping gains: the cap shown skims exactly "
        "the top-up (rounded down to 0.01 point). Empty: nothing to pay, or skimming every gain is "
        "not enough.",
    ),
    "compromise_caption": (
        "Pot {pot}, betaaljaar {year}: de sleutelmix (en het vaste bedrag) die het dichtst bij "
        "{scenario} ligt terwijl niemand meer dan X% onder {baseline} komt. Kleinst haalbare "
        "grootste verlies: {least}%.",
        "Pot {pot}, payment year {year}: the key mix (and vast bedrag) closest to {scenario} with "
        "nobody more than X% below {baseline}. Least achievable largest loss: {least}%.",
    ),
    "compromise_title": ("Afstand tot de doelsleutel", "Distance to the target key"),
    "compromise_download": (
        "Download het compromisscenario (YAML); upload het in de zijbalk om verder te bewerken",
        "Download the compromise scenario (YAML); upload it in the sidebar to edit it further",
    ),
    "why_municipality": ("Gemeente (grootste verlies eerst; alle gedeelde jaren opgeteld)",
                         "Municipality (largest loss first; all shared years summed)"),
    "factor_budget": ("budget", "budget"),
    "factor_key": ("sleutel", "key"),
    "factor_key_data": ("sleutelgegevens", "key data"),
    "factor_constraints": ("grenzen", "constraints"),
    "factor_peildata": ("peildata", "peildata"),
    "factor_total": ("verschil", "difference"),
    "why_caption": (
        "Elk deel is de Shapley-waarde van de factor: het effect gemiddeld over elke volgorde waarin de "
        "factoren van de basis naar het scenario gaan; de delen tellen op tot het verschil.",
        "Each part is the factor's Shapley value: its effect averaged over every order of switching the "
        "factors from the baseline to the scenario; the parts add up to the difference.",
    ),
    "mutaties_header": ("Mutaties tegenover een gepubliceerde tabel", "Mutaties against a published table"),
    "mutaties_upload": (
        "Gepubliceerde tabel: de lange CSV van `run`, of een brede tabel (een rij per gemeente, een "
        "kolom per betaaljaar) als CSV, xlsx of ODS",
        "Published table: the long CSV of `run`, or a wide table (a row per municipality, a column "
        "per payment year) as CSV, xlsx or ODS",
    ),
    "mutaties_caption": (
        "Vergeleken op het register van elk betaaljaar; een tabel op een eerder register wordt "
        "omgerekend (heringedeelde gemeenten opgeteld).",
        "Compared on each payment year's register; a table on an earlier register is restated "
        "(merged municipalities summed).",
    ),
    "mutaties_pot": (
        "Pot van een brede CSV (een lange CSV noemt haar potten)",
        "Pot of a wide CSV (a long CSV names its pots)",
    ),
    "from_the_file": ("uit het bestand", "from the file"),
    "mutaties_cannot": ("De gepubliceerde tabel kan niet worden gebruikt:", "The published table cannot be used:"),
    # which key made the published table (the fit)
    "fit_header": ("Welke sleutel?", "Which key?"),
    "fit_toggle": ("Zoek de sleutel en het jaarprofiel achter deze tabel",
                   "Find the key and year profile behind this table"),
    "fit_caption": (
        "Zoekt de mix van sleutels (en desgewenst een vast bedrag) en het bedrag per jaar die de tabel zo dicht "
        "mogelijk benaderen, op de registers waar de tabel op staat.",
        "Finds the mix of keys (and a vast bedrag if asked) and the amount per year that come closest to the "
        "table, on the registers the table is on.",
    ),
    "fit_pot": ("Pot van de tabel", "Pot of the table"),
    "fit_vast": ("Ook een vast bedrag per gemeente", "Also a vast bedrag per municipality"),
    "fit_running": ("Sleutel zoeken…", "Fitting the key…"),
    "fit_cannot": ("De sleutel kan niet worden gezocht:", "The key cannot be fitted:"),
    "fit_quality_exact": ("De sleutel geeft de tabel exact terug, op afronding op hele euro's na.",
                          "The key reproduces the table exactly, up to rounding to whole euros."),
    "fit_quality_good": ("De sleutel verklaart de tabel goed: de verschillen zijn klein.",
                         "The key explains the table well: the differences are small."),
    "fit_quality_rough": ("De sleutel verklaart het grootste deel van de tabel, met duidelijke verschillen.",
                          "The key explains most of the table, with clear differences."),
    "fit_quality_poor": (
        "De sleutels verklaren de tabel niet: een andere sleutel (of een sleutel per jaar) heeft haar gemaakt.",
        "The keys do not explain the table: another key (or a key per year) made it.",
    ),
    "fit_quality_numbers": (
        "R² {r2}; gemiddeld verschil {mean} ({mean_pct}), grootste {largest} ({largest_pct}); {points} punten.",
        "R² {r2}; mean difference {mean} ({mean_pct}), largest {largest} ({largest_pct}); {points} points.",
    ),
    "fit_weights_caption": (
        "Het bereik is waar de fit ongeveer even goed is (drie standaardfouten). Niet te onderscheiden: sleutels "
        "die in deze punten te veel op elkaar lijken; hun verdeling is niet bepaald.",
        "The range is where the fit is about as good (three standard errors). Not identifiable: keys too alike "
        "to tell apart in these points; their split is not determined.",
    ),
    "fit_vast_found": ("Vast bedrag: {eur} per gemeente per jaar (bereik {low} – {high}).",
                       "Vast bedrag: {eur} per municipality per year (range {low} – {high})."),
    "col_key": ("Sleutel", "Key"),
    "col_weight_plain": ("Gewicht", "Weight"),
    "col_low": ("Van", "From"),
    "col_high": ("Tot", "To"),
    "col_identifiable": ("Te onderscheiden", "Identifiable"),
    "col_national_amount": ("Landelijk bedrag", "National amount"),
    "col_points": ("Punten", "Points"),
    "col_fitted": ("Gefit", "Fitted"),
    "fit_map_year": ("Jaar van de kaart", "Year of the map"),
    "fit_map_title": ("Waar de fit het slechtst past, {year} (verschil in %)",
                      "Where the fit is worst, {year} (difference in %)"),
    "fit_worst": ("Slechtst passende gemeenten", "Municipalities that fit worst"),
    "fit_open": ("Open het gefitte scenario", "Open the fitted scenario"),
    "fit_open_exact": ("Open het exacte scenario (de tabel tot op de euro)",
                       "Open the exact scenario (the table to the euro)"),
    "fit_no_exact": ("Geen exact scenario:", "No exact scenario:"),
    "fit_opened": ("Geopend: {name}. Kies een weergave om het te bekijken of te bewerken.",
                   "Opened: {name}. Choose a view to see or edit it."),
    "start_opened": ("Het scenario uit ‘Welke sleutel?’", "The scenario from ‘Which key?’"),
    # certainty view
    "certainty_caption": (
        "Elke trekking vermenigvuldigt de sleutelwaarde van elke gemeente met een eigen factor "
        "(log-normaal, gemiddeld 1, met de gegeven spreiding) en rekent het hele scenario opnieuw: "
        "vast bedrag, elke grens, hele euro's. De band loopt van het 5e tot het 95e percentiel.",
        "Each draw multiplies every municipality's key value by an independent mean-one log-normal "
        "factor with the spread given, and runs the whole scenario again: vast bedrag, every "
        "constraint, whole euros. The band is the 5th to 95th percentile of the draws.",
    ),
    "spread_of": ("Spreiding {key} ({kind})", "Spread {key} ({kind})"),
    "spread_years": ("Spreiding van de jaarprofielen", "Spread of the year profiles"),
    "draws": ("Trekkingen", "Draws"),
    "spread_assumption": (
        "Spreidingen die niet uit het blok `uncertainty:` van het scenario komen zijn een AANNAME "
        "van deze weergave: {proxy} voor een proxy-sleutel, {real} voor echte gegevens.",
        "Spreads not from the scenario's `uncertainty:` block are this view's ASSUMPTION: {proxy} "
        "for a proxy key, {real} for real data.",
    ),
    "drawing": ("Trekken…", "Drawing…"),
    "draws_cannot": ("De trekkingen kunnen niet worden gemaakt:", "The draws cannot be made:"),
    "and_this_municipality": ("En deze gemeente", "And this municipality"),
    "band_chart_title": ("{title}: bedrag en p5-p95", "{title}: amount and p5-p95"),
    "band_map_title": ("{title}: bandbreedte in % van het bedrag", "{title}: band width in % of the amount"),
    "band_colorbar": ("band<br>(%)", "band<br>(%)"),
    "band_width": ("band", "band"),
    # export view
    "export_caption": (
        "Gemaakt uit het scenario zoals getoond (wijzigingen inbegrepen); een bewerkt scenario heet "
        "<naam>-bewerkt. Bedragen in hele euro's; elk betaaljaar op het register van zijn peildatum.",
        "Built from the scenario as shown (edits included); an edited scenario is named "
        "<name>-bewerkt. Amounts in whole euros; each payment year on the register in force on its "
        "peildatum.",
    ),
    "export_dutch_csv": (
        "CSV's per pot in de Nederlandse spreadsheetvorm (; gescheiden, decimale komma)",
        "Per-pot CSVs in the Dutch spreadsheet flavour (; separated, decimal comma)",
    ),
    "export_cannot": ("De export kan niet worden gemaakt:", "The export cannot be built:"),
    "export_files_list": (
        "- `{id}-meicirculaire.xlsx` / `.ods`: een blad per pot (gemeenten op naam, een kolom per betaaljaar, "
        "totalen), de sleutels (Verdeelsleutels) en de toelichting met elke bron en aanname (Toelichting).\n"
        "- `{id}-allocation.csv`: de lange tabel (pot, jaar, gm_code, gm_name, amount_eur).\n"
        "- `{id}-<pot>.csv`: een pot zoals in het werkboek.",
        "- `{id}-meicirculaire.xlsx` / `.ods`: a sheet per pot (municipalities by name, a column per payment year, "
        "totals), the keys (Verdeelsleutels) and the explanation with every source and assumption (Toelichting).\n"
        "- `{id}-allocation.csv`: the long table (pot, year, gm_code, gm_name, amount_eur).\n"
        "- `{id}-<pot>.csv`: one pot as in the workbook.",
    ),
    "comparison_header": ("Vergelijking", "Comparison"),
    "comparison_export_caption": (
        "{baseline} (basis) tegenover {others}; kies de scenario's in de weergave Vergelijken.",
        "{baseline} (baseline) against {others}; choose the scenarios in the Compare view.",
    ),
    "comparison_build": ("Maak het vergelijkingswerkboek en de CSV's", "Build the comparison workbook and CSVs"),
    "comparison_building": ("Vergelijken en het werkboek maken…", "Comparing and building the workbook…"),
}
