"""Tests of the faces layer (allocation/faces/), named after the rule they protect."""
