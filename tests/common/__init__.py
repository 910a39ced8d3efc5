"""Tests of the common layer (allocation/common/), named after the rule they protect."""
