"""One vocabulary: vision's own states and the stored ones name the same things, and one mapping converts them;
the site's time zone is named once in the code."""

from __future__ import annotations

import re

import pytest

from conftest import REPO
from models.enums import CameraHealth, PresenceState, ZoneKind
from schedules.vocabulary import PAIRS, seen_presence, seen_zone_kind, stored_health, stored_presence
from vision.health import Health
from vision.presence import PresenceState as SeenPresence
from vision.zones import ZoneKind as SeenZoneKind

pytestmark = pytest.mark.pure


@pytest.mark.parametrize("seen, stored", PAIRS, ids=lambda enum: enum.__module__ + "." + enum.__name__)
def test_vision_and_the_database_name_the_same_states(seen, stored):
    assert [member.value for member in seen] == [member.value for member in stored]


def test_zone_kinds_match_the_database_vocabulary():
    from models.enums import ZoneKind as StoredKind

    assert {k.value for k in SeenZoneKind} == {k.value for k in StoredKind}


@pytest.mark.parametrize("health", list(Health))
def test_every_camera_health_maps_to_its_stored_state(health):
    assert stored_health(health) is CameraHealth(health.value)


@pytest.mark.parametrize("state", list(SeenPresence))
def test_presence_round_trips(state):
    stored = stored_presence(state)
    assert isinstance(stored, PresenceState) and seen_presence(stored) is state
    assert seen_presence(stored.value) is state  # rows read back as text on some backends


@pytest.mark.parametrize("kind", list(ZoneKind))
def test_stored_zone_kinds_map_to_vision(kind):
    assert seen_zone_kind(kind).value == kind.value


def test_an_unknown_state_is_refused_not_guessed():
    with pytest.raises(ValueError, match="'maybe' is not a valid PresenceState"):
        seen_presence("maybe")


PRODUCT = ("audit", "vision", "web", "schedules", "models", "deskaudit")


def test_the_time_zone_is_named_once():
    found = [f"{path.relative_to(REPO)}:{number}"
             for package in PRODUCT for path in sorted((REPO / package).rglob("*.py"))
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
             if re.search(r"Asia/Ho_Chi_Minh", line)]
    assert len(found) == 1 and found[0].startswith("models/enums.py:"), found  # DEFAULT_TIMEZONE


def test_the_wall_and_the_alerts_word_camera_faults_alike():
    """The alert message's Vietnamese health word is the wall's label (each names every fault state)."""
    from flask import Flask
    from flask_babel import Babel

    from schedules.alerting.rules import HEALTH_VI
    from web.pages.wall import HEALTH_LABELS

    faults = {health.value for health in CameraHealth} - {CameraHealth.OK.value}
    assert set(HEALTH_VI) == set(HEALTH_LABELS) == faults
    app = Flask(__name__)
    Babel(app, locale_selector=lambda: "vi")
    with app.test_request_context():
        assert {key: str(label) for key, label in HEALTH_LABELS.items()} == HEALTH_VI


def test_the_pages_word_classes_and_unit_bands_as_the_rules_do():
    """The web's translatable class and band labels are, in Vietnamese, the rules' own words."""
    from flask import Flask
    from flask_babel import Babel

    from audit.rules.scoring import BAND_VI, CLASS_LABELS_VI
    from web.pages.review_data import BAND_LABELS, CLASS_LABELS

    app = Flask(__name__)
    Babel(app, locale_selector=lambda: "vi")
    with app.test_request_context():
        assert {key: str(label) for key, label in CLASS_LABELS.items()} == CLASS_LABELS_VI
        assert {key: str(label) for key, label in BAND_LABELS.items()} == BAND_VI


def test_finding_kinds_have_one_name():
    """The pages' translatable kind labels are, in Vietnamese, the rules' names (reports and scores use those)."""
    from flask import Flask
    from flask_babel import Babel

    from audit.rules.findings import KIND_VI
    from models.enums import FindingKind
    from web.pages.review_data import KIND_LABELS

    assert set(KIND_VI) == {k.value for k in FindingKind}
    app = Flask(__name__)
    Babel(app, locale_selector=lambda: "vi")
    with app.test_request_context():
        assert {key.value: str(label) for key, label in KIND_LABELS.items()} == KIND_VI
    assert KIND_VI["late_arrival"] == "Đi muộn"  # the administrative pair is "đi muộn, về sớm"
