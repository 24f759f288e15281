"""The seed documents cut into sections: the knowledge tests import this as `seed_text`."""

from knowledge.seeds import (  # noqa: F401
    DOC_FILES,
    SEEDS,
    available,
    normalised,
    numbers,
    passages_for,
    quotes,
    section_text,
    sections,
)
