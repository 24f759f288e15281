"""The review loop: learn from live traffic.

capture (actions) → redact → store (review_turns, applications database) → inbox grouped
by near-duplicate text (staff console) → labels → `make review-export` (Rasa NLU YAML under
var/ for a developer to review) and usage charts. Retention and purge: `python -m
review purge`. See docs/review-inbox.md.
"""
