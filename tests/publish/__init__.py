"""Tests of the publish layer (allocation/publish/), named after the rule they protect."""
