"""Exports of a cycle's answers for analysts: CSV, XLSX and JSON, streamed."""
