"""Edit checks and value parsing for report forms (pure: no Django).

强制性审核 (hard errors) block a submission; 核实性审核 (warnings) need a written
explanation. Checks are declared as data in the form files and evaluated by a
small safe expression language (`keju.validation.expr`), never `eval`.
"""
