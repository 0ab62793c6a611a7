"""deskaudit's composition root: the command line and the wiring of sampler and web."""

__version__ = "0.1.0"
