"""Cameo analysis: verification clips (faces, spoken digits, voice), restrictions; no web or database code."""
