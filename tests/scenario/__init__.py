"""Tests of the scenario layer (allocation/scenario/), named after the rule they protect."""
