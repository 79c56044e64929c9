"""``{% term "bounce-rate" %}``: a glossary term with its explanation, on any admin screen."""

from django import template
from django.utils.html import json_script
from django.utils.safestring import SafeString

from .. import glossary

register = template.Library()


@register.simple_tag
def term(slug: str, label: str | None = None) -> SafeString:
    """The term's name (or ``label``) with its plain explanations for marketing and IT as an
    accessible tooltip; an unknown slug gives the label alone."""
    return glossary.term_html(slug, label)


@register.simple_tag
def glossary_json(element_id: str, *slugs: str) -> SafeString:
    """The explanations of ``slugs`` as a JSON data block (no code), for labels that a
    page's script draws: ``{% glossary_json "cg-glossary" "visitor" "visit" %}``."""
    return json_script(glossary.explanations(slugs), element_id)
