"""Layer 4 (publishing): the files a user takes away: the circular tables
(:mod:`~allocation.publish.circular_tables`), the meicirculaire workbook
(:mod:`~allocation.publish.meicirculaire`), the set ``run`` writes
(:mod:`~allocation.publish.run_files`), the comparison files
(:mod:`~allocation.publish.comparison`), and writing a set all or nothing
(:mod:`~allocation.publish.files`)."""
