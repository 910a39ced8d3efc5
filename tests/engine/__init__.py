"""Tests of the engine layer (allocation/engine/), named after the rule they protect."""
