"""The Kyoto Declaration (2021) as source text, its parser, and the questionnaire generated from it.

``declaration`` reads the published text into paragraphs, sections and footnotes and decides
which paragraphs commit States to act; ``generator`` turns that into the questionnaire
definition committed as ``kyoto-2021.json``.
"""
