"""Tests of the analysis layer (allocation/analysis/), named after the rule they protect."""
