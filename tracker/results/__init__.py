"""Results for managers (issue #5): pure computations over one posting's frames.

``data`` loads the frames (access-checked); ``merit``, ``agreement``, ``calibration`` and
``completeness`` compute the figures; ``charts`` draws them with Altair. None of these imports
streamlit: the results page only displays what they return.
"""
