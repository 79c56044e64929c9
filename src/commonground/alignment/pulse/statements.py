"""The pulse's five statements, its five-point scale, and the published figures beside them."""

from dataclasses import dataclass

from ..sides import Party

PUBLISHED_SOURCE = "Forrester (published figures)"

SCALE: tuple[tuple[int, str], ...] = (
    (1, "Strongly disagree"),
    (2, "Disagree"),
    (3, "Neither agree nor disagree"),
    (4, "Agree"),
    (5, "Strongly agree"),
)
SCORES = tuple(score for score, _ in SCALE)
AGREE_SCORES = (4, 5)  # "agree share": answers of 4 or 5


@dataclass(frozen=True)
class PublishedFigure:
    """A share one side gave in a published survey, to read next to our own agree share."""

    side: Party
    percent: int
    text: str
    source: str = PUBLISHED_SOURCE


@dataclass(frozen=True)
class Statement:
    key: str
    text: str
    published: tuple[PublishedFigure, ...] = ()


STATEMENTS: tuple[Statement, ...] = (
    Statement(
        "great_relationship",
        "Marketing and IT have a great working relationship.",
        (
            PublishedFigure(
                Party.MARKETING, 47, "of CMOs report a great working relationship with their CIO"
            ),
        ),
    ),
    Statement(
        "meet_regularly",
        "Marketing and IT meet regularly.",
        (
            PublishedFigure(Party.IT, 70, "of tech leaders say they meet regularly"),
            PublishedFigure(Party.MARKETING, 59, "of marketers say they meet regularly"),
        ),
    ),
    Statement(
        "it_marketing_experience",
        "IT has people with marketing experience helping marketing.",
        (
            PublishedFigure(
                Party.MARKETING,
                44,
                "of CMOs say IT staffs people with marketing experience for them",
            ),
        ),
    ),
    Statement(
        "marketing_understands_technology",
        "Marketing understands its marketing technology.",
        (
            PublishedFigure(
                Party.MARKETING,
                70,
                "of CMOs (7 in 10) believe they understand their marketing technology",
            ),
            PublishedFigure(Party.IT, 58, "of CIOs agree that marketing understands it"),
        ),
    ),
    Statement("explain_other_side", "I can explain the other side's priorities."),
)
STATEMENT_KEYS = tuple(statement.key for statement in STATEMENTS)
BY_KEY = {statement.key: statement for statement in STATEMENTS}
