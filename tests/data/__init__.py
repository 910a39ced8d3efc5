"""Tests of the data layer (allocation/data/), named after the rule they protect."""
