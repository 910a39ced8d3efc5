"""Layer 4 (analysis): the negotiation's levels, one list for every face (command line, app,
comparison workbook). A module of constants only, so that the command line's parser can
name the defaults without importing the solvers."""

#: The guarantee and compromise levels (largest loss in %) tabled by default.
LEVELS = (0.0, 1.0, 2.0, 5.0, 10.0, 20.0)
#: The guarantee level of the per-municipality lists and the brief (%).
DEFAULT_MAX_LOSS_PCT = 5.0
