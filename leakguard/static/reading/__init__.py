"""Reading what ``leakguard check`` checks, before any interpretation: ``sources.py`` (notebooks and
scripts into cells, IPython syntax neutralised) and ``suppress.py`` (suppression comments, baselines)."""
