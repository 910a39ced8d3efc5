"""Layer 2: the engine. Pure functions over arrays, no file or UI access: rounding
(:mod:`~allocation.engine.rounding`), keys and a pot without constraints
(:mod:`~allocation.engine.pot`), the bounded closed form (:mod:`~allocation.engine.bounded`),
bands (:mod:`~allocation.engine.bands`), group limits (:mod:`~allocation.engine.groups`),
the joint LP (:mod:`~allocation.engine.joint_lp`), a pot with constraints
(:mod:`~allocation.engine.constrained_pot`), the minimum or maximum that would fit an
infeasible pot (:mod:`~allocation.engine.fits`) and restatement on later registers
(:mod:`~allocation.engine.restate`)."""
