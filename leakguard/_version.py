"""The version of leakguard, in a module of its own so reports and exports can name it without importing the API."""

__version__ = "0.1.0"
