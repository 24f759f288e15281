"""Custom Rasa NLU components: script normalisation and knowledge-base entities."""
