"""Which facet each question intent asks: the one table between the NLU model's intents
(domain.yml) and the knowledge base's facets (knowledge/data/facets.yaml).

It lives beside the training data, below the dialogue: the answer action reads it to choose
what to answer, the review inbox to turn a labelled facet back into the intent it is trained
as. tests/actions/test_intent_names.py holds it to the domain.
"""

from __future__ import annotations

FACET_OF_INTENT = {
    "ask_procedure": "procedure", "ask_materials": "materials", "ask_steps": "steps",
    "ask_location": "location", "ask_hours": "hours", "ask_open_now": "open_now",
    "ask_duration": "times", "ask_fee": "fee", "ask_contact": "contact",
    "ask_password": "password", "ask_channel": "channel", "ask_collect": "collect",
    "ask_binding": "binding",
}
INTENT_OF_FACET = {facet: intent for intent, facet in FACET_OF_INTENT.items()}
