"""Content models: media, snippets and page types."""

from .media import ContentImage, ContentRendition
from .pages import (
    ArticleIndexPage,
    ArticlePage,
    ArticlePageTag,
    HomePage,
    LandingPage,
    LandingPageFormField,
    StandardPage,
)
from .snippets import Author

__all__ = [
    "ArticleIndexPage",
    "ArticlePage",
    "ArticlePageTag",
    "Author",
    "ContentImage",
    "ContentRendition",
    "HomePage",
    "LandingPage",
    "LandingPageFormField",
    "StandardPage",
]
