"""SQLAlchemy models of the knowledge base.

Bilingual text is stored as a JSON object ``{"zh": ..., "en": ...}`` so a fact and its
translation can never drift apart into two rows. Written in SQLAlchemy 2.0 style on the 1.4
that Rasa pins (``future=True`` engines, ``select()`` queries).
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, ForeignKey, Integer, String, Text
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()


class Source(Base):
    __tablename__ = "sources"
    id = Column(String(8), primary_key=True)
    file = Column(String(200), nullable=False)
    language = Column(String(8), nullable=False)
    title = Column(JSON, nullable=False)
    authority = Column(JSON, nullable=False)


class KeyType(Base):
    __tablename__ = "key_types"
    id = Column(String(40), primary_key=True)
    name = Column(JSON, nullable=False)
    short = Column(JSON, nullable=False)
    source = Column(String(120), nullable=False)


class Kind(Base):
    __tablename__ = "kinds"
    id = Column(String(40), primary_key=True)
    name = Column(JSON, nullable=False)
    weak = Column(Boolean, nullable=False, default=False)  # loses to any other kind named
    source = Column(String(120), nullable=False)


class Channel(Base):
    __tablename__ = "channels"
    id = Column(String(40), primary_key=True)
    name = Column(JSON, nullable=False)
    source = Column(String(120), nullable=False)


class Region(Base):
    __tablename__ = "regions"
    id = Column(String(40), primary_key=True)
    name = Column(JSON, nullable=False)
    source = Column(String(120), nullable=False)
    within = Column(String(40), nullable=True)  # a district's city: Haidian is in Beijing


class Material(Base):
    __tablename__ = "materials"
    id = Column(String(60), primary_key=True)
    name = Column(JSON, nullable=False)
    source = Column(String(120), nullable=False)


class Procedure(Base):
    __tablename__ = "procedures"
    id = Column(String(60), primary_key=True)
    key_type_id = Column(String(40), ForeignKey("key_types.id"), nullable=True)
    kind_id = Column(String(40), ForeignKey("kinds.id"), nullable=False)
    variant = Column(String(40), nullable=True)
    region = Column(String(40), nullable=True)
    name = Column(JSON, nullable=False)
    summary = Column(JSON, nullable=True)
    source = Column(String(120), nullable=False)
    channels = Column(JSON, nullable=False, default=list)
    office_groups = Column(JSON, nullable=False, default=list)
    password_ids = Column(JSON, nullable=False, default=list)
    contact_ids = Column(JSON, nullable=False, default=list)
    fee = Column(JSON, nullable=True)  # {"text": {...}, "source": "..."}

    materials = relationship(
        "ProcedureMaterial", order_by="ProcedureMaterial.position", lazy="selectin"
    )
    items = relationship("ProcedureItem", order_by="ProcedureItem.position", lazy="selectin")
    times = relationship("TimeLimit", order_by="TimeLimit.position", lazy="selectin")


class ProcedureMaterial(Base):
    __tablename__ = "procedure_materials"
    procedure_id = Column(String(60), ForeignKey("procedures.id"), primary_key=True)
    position = Column(Integer, primary_key=True)
    material_id = Column(String(60), ForeignKey("materials.id"), nullable=False)
    qualifier = Column(JSON, nullable=True)
    source = Column(String(120), nullable=False)
    material = relationship("Material", lazy="selectin")


class ProcedureItem(Base):
    """A step, a note or a collection requirement of a procedure, in source order."""

    __tablename__ = "procedure_items"
    procedure_id = Column(String(60), ForeignKey("procedures.id"), primary_key=True)
    section = Column(String(12), primary_key=True)  # step | note | collect
    position = Column(Integer, primary_key=True)
    text = Column(JSON, nullable=False)
    source = Column(String(120), nullable=False)


class TimeLimit(Base):
    __tablename__ = "time_limits"
    procedure_id = Column(String(60), ForeignKey("procedures.id"), primary_key=True)
    position = Column(Integer, primary_key=True)
    stage = Column(String(60), nullable=False)
    working_days = Column(Integer, nullable=True)
    text = Column(JSON, nullable=False)
    source = Column(String(120), nullable=False)


class OfficeGroup(Base):
    __tablename__ = "office_groups"
    id = Column(String(40), primary_key=True)
    name = Column(JSON, nullable=False)
    source = Column(String(120), nullable=False)
    # said under every list of the group's offices, e.g. that the source lists only some
    notes = Column(JSON, nullable=False, default=list)  # [{"text": {...}, "source": "..."}]


class OpeningHours(Base):
    __tablename__ = "opening_hours"
    id = Column(String(40), primary_key=True)
    weekday_periods = Column(JSON, nullable=False)
    saturday_periods = Column(JSON, nullable=False, default=list)
    saturday_by_reservation = Column(Boolean, nullable=False, default=False)
    saturday_except_holidays = Column(Boolean, nullable=False, default=True)
    text = Column(JSON, nullable=False)
    source = Column(String(120), nullable=False)


class Office(Base):
    __tablename__ = "offices"
    id = Column(String(60), primary_key=True)
    group_id = Column(String(40), ForeignKey("office_groups.id"), nullable=False)
    name = Column(JSON, nullable=False)
    address = Column(JSON, nullable=True)
    region = Column(String(40), nullable=True)
    district = Column(JSON, nullable=True)
    phone = Column(String(40), nullable=True)
    hours_id = Column(String(40), ForeignKey("opening_hours.id"), nullable=True)
    note = Column(JSON, nullable=True)
    source = Column(String(120), nullable=False)
    hours = relationship("OpeningHours", lazy="selectin")


class Contact(Base):
    __tablename__ = "contacts"
    id = Column(String(40), primary_key=True)
    label = Column(JSON, nullable=False)
    value = Column(String(300), nullable=False)
    also = Column(JSON, nullable=False, default=list)
    source = Column(String(120), nullable=False)


class Password(Base):
    __tablename__ = "passwords"
    id = Column(String(40), primary_key=True)
    system = Column(JSON, nullable=False)
    password = Column(String(60), nullable=False)
    note = Column(JSON, nullable=True)
    source = Column(String(120), nullable=False)


class Topic(Base):
    __tablename__ = "topics"
    id = Column(String(40), primary_key=True)
    name = Column(JSON, nullable=False)
    text = Column(JSON, nullable=False)
    source = Column(String(120), nullable=False)
    # something users ask that the sources do not cover: answered with its text and contacts
    # whatever the question (materials, steps, ...), never with a procedure's facts
    not_covered = Column(Boolean, nullable=False, default=False)
    contact_ids = Column(JSON, nullable=False, default=list)


class Conflict(Base):
    """Two or more sources that disagree; answers show every value with its source."""

    __tablename__ = "conflicts"
    id = Column(String(60), primary_key=True)
    topic = Column(JSON, nullable=False)
    applies_to = Column(JSON, nullable=False)
    facets = Column(JSON, nullable=False, default=list)  # answers it bears on; [] = all
    values = Column(JSON, nullable=False)  # [{"text": {...}, "source": "..."}]


class Term(Base):
    """One alias a user may type, pointing at a record: the entity index of the assistant."""

    __tablename__ = "terms"
    id = Column(Integer, primary_key=True, autoincrement=True)
    term = Column(String(120), nullable=False, index=True)  # normalised: Simplified, lowercase
    lang = Column(String(4), nullable=False)
    entity = Column(String(20), nullable=False)  # key_type | kind | channel | region | ...
    target_id = Column(String(60), nullable=False)


class Phrase(Base):
    """The assistant's own wording (headings, questions): bilingual, no facts."""

    __tablename__ = "phrases"
    id = Column(String(60), primary_key=True)
    text = Column(JSON, nullable=False)


class BuildInfo(Base):
    __tablename__ = "build_info"
    key = Column(String(40), primary_key=True)
    value = Column(Text, nullable=False)


class SourcePassage(Base):
    """What the seed says at one citation, stored word for word when the base is built, so a
    user can open a source without the seed files being on the server."""

    __tablename__ = "source_passages"
    ref = Column(String(120), primary_key=True)  # "003 §2 step 3", as the facts cite it
    source_id = Column(String(8), ForeignKey("sources.id"), nullable=False)
    parts = Column(JSON, nullable=False)  # the runs of the seed file it covers, verbatim
