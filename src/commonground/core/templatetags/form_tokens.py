"""``{% form_token "page:12" %}``: the hidden field that lets a public form be sent without
a cookie (core/http/form_tokens.py)."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from ..http import form_tokens

register = template.Library()


@register.simple_tag
def form_token(form: str) -> SafeString:
    return format_html(
        '<input type="hidden" name="{}" value="{}">',
        form_tokens.FIELD,
        form_tokens.issue_token(form),
    )
