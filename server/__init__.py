"""Exam Cloud (考试云) API server."""
