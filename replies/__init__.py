"""The wording of every reply: one card per answer, built from the knowledge base in the
user's language, which each channel then draws (widget card, WeChat text, staff console)."""
