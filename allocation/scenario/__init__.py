"""Layer 3: scenarios. The file format (:mod:`~allocation.scenario.schema`), its messages
(:mod:`~allocation.scenario.messages`), loading (:mod:`~allocation.scenario.loading`),
constraints as engine problems (:mod:`~allocation.scenario.pot_problem`,
:mod:`~allocation.scenario.references`, :mod:`~allocation.scenario.describe`), running
(:mod:`~allocation.scenario.running`, :mod:`~allocation.scenario.result`), edits with
provenance (:mod:`~allocation.scenario.edits`) and building edited data
(:mod:`~allocation.scenario.build`)."""
