"""csgsim: how many casemanagers does the on-call duty of a Centre for Sexual Violence need?

Data flows one way: scenario file -> validated Scenario -> sampled inputs -> SimPy run ->
records -> metrics -> outputs.
"""

__version__ = "0.1.0"
