"""Questionnaires: versions, sections, paragraphs and questions, and their JSON definition."""
