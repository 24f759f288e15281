"""How the assistant reaches people: the process launcher and one module per channel."""
