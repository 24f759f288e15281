"""The loader refuses bad data with an error naming the file and the entry."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from support import edit, problems

from knowledge.loader import KnowledgeError, build, read_dataset, validate


def test_the_shipped_data_is_valid() -> None:
    validate(read_dataset())


def test_missing_translation_names_file_and_entry(data_copy: Path) -> None:
    edit(data_copy / "materials.yaml", lambda rows: rows[0]["name"].pop("en"))
    first = yaml.safe_load((data_copy / "materials.yaml").read_text())[0]["id"]
    message = problems(data_copy)
    assert f"materials.yaml: entry '{first}': missing en translation at name" in message


def test_unknown_source_is_refused(data_copy: Path) -> None:
    def change(rows):
        rows[0]["source"] = "999 §1"

    edit(data_copy / "contacts.yaml", change)
    assert "contacts.yaml: entry" in problems(data_copy)
    assert "unknown source '999 §1'" in problems(data_copy)


def test_duplicate_id_is_refused(data_copy: Path) -> None:
    edit(data_copy / "passwords.yaml", lambda rows: rows.append(dict(rows[0])))
    message = problems(data_copy)
    assert "passwords.yaml: entry" in message and "duplicate passwords id" in message


def test_procedure_without_materials_is_refused(data_copy: Path) -> None:
    path = data_copy / "procedures" / "mofcom_ekey.yaml"
    edit(path, lambda rows: rows[0].update(materials=[]))
    first = yaml.safe_load(path.read_text())[0]["id"]
    assert f"procedures/mofcom_ekey.yaml: entry '{first}': missing materials" in problems(data_copy)


def test_unknown_material_reference_is_refused(data_copy: Path) -> None:
    path = data_copy / "procedures" / "eport_card.yaml"
    edit(path, lambda rows: rows[0]["materials"][0].update(material="no_such_paper"))
    assert "unknown material 'no_such_paper'" in problems(data_copy)


def test_malformed_yaml_is_reported_with_its_file(data_copy: Path) -> None:
    (data_copy / "topics.yaml").write_text("- id: [unclosed\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match="topics.yaml: cannot read"):
        read_dataset(data_copy)


def test_a_refused_build_leaves_the_old_database_untouched(data_copy: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'kb.db'}"
    build(url, data_copy)
    before = (tmp_path / "kb.db").read_bytes()
    edit(data_copy / "materials.yaml", lambda rows: rows[0]["name"].pop("zh"))
    with pytest.raises(KnowledgeError):
        build(url, data_copy)
    assert (tmp_path / "kb.db").read_bytes() == before


def test_english_cut_short_by_an_unquoted_comma_is_refused(data_copy: Path) -> None:
    path = data_copy / "passwords.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(
        'en: "initial password after a certificate update, a new card',
        "en: initial password after a certificate update, a new card").replace(
        'the validity period is unchanged"}', "the validity period is unchanged}"),
        encoding="utf-8")
    assert "was split by an unquoted comma" in problems(data_copy)
