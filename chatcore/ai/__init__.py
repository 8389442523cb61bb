"""AI providers behind one contract (design D13): see ``base`` and ``registry``."""
