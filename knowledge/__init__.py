"""The knowledge base: every fact the assistant may say, as data with its source.

`knowledge/data/*.yaml` is the only place facts are written; `loader` validates them and
builds the database; `query` is the read side shared by the actions, staff tools and tests.
"""
