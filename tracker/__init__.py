"""The candidate assessment tracker: postings in, fair and traceable panel assessments out."""

__version__ = "0.1.0"
