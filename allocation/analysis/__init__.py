"""Layer 4 (analysis): what a scenario means and how scenarios differ: the comparison
(:mod:`~allocation.analysis.compare`, in words :mod:`~allocation.analysis.compare_text`),
the run summary (:mod:`~allocation.analysis.summary`) and how a municipality's amounts
follow from the keys (:mod:`~allocation.analysis.explain`)."""
