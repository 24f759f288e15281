"""Custom actions: read the slots, ask the knowledge base, render the answer.

Actions stay thin: facts come from `knowledge.query`, wording from `knowledge/data/phrases.yaml`,
and the reply is localised to the script of the user's latest message.
"""
