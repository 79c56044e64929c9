"""The StreamField block library editors compose pages from."""

from urllib.parse import parse_qs, urlsplit

from django import forms
from django.core.exceptions import ValidationError
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.contrib.table_block.blocks import TableBlock
from wagtail.images.blocks import ImageBlock, ImageChooserBlock
from wagtail.rich_text import RichText, expand_db_html

from commonground.governance import public as governance

RICH_TEXT_FEATURES = ["h2", "h3", "h4", "bold", "italic", "ol", "ul", "link", "document-link", "hr"]


def check_rich_text(html: str) -> None:
    """ValidationError when rich text, as stored or as rendered for visitors (links and
    embeds expanded), runs code or loads from a host IT has not approved. The editor's own
    form writes only its features, but the API, imports and the model's save take any HTML."""
    messages: list[str] = []
    for form in dict.fromkeys([html or "", expand_db_html(html or "")]):
        try:
            governance.check_html(form)
        except ValidationError as error:
            messages += [message for message in error.messages if message not in messages]
    if messages:
        raise ValidationError(messages)


class RichTextBlock(blocks.RichTextBlock):
    """Wagtail's rich text, refused when it would run code (see ``check_rich_text``)."""

    def clean(self, value: RichText) -> RichText:
        cleaned: RichText = super().clean(value)
        check_rich_text(cleaned.source)
        return cleaned


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(max_length=200)
    level = blocks.ChoiceBlock(
        choices=[("h2", "Heading 2"), ("h3", "Heading 3"), ("h4", "Heading 4")], default="h2"
    )

    class Meta:
        icon = "title"
        template = "content/blocks/heading.html"


class CaptionedImageBlock(blocks.StructBlock):
    image = ImageBlock()
    caption = blocks.CharBlock(required=False, max_length=300)

    class Meta:
        icon = "image"
        template = "content/blocks/captioned_image.html"


class ImageAndTextBlock(blocks.StructBlock):
    image = ImageBlock()
    text = RichTextBlock(features=RICH_TEXT_FEATURES)
    image_position = blocks.ChoiceBlock(
        choices=[("left", "Image on the left"), ("right", "Image on the right")], default="left"
    )

    class Meta:
        icon = "doc-full"
        template = "content/blocks/image_and_text.html"


class QuoteBlock(blocks.StructBlock):
    quote = blocks.TextBlock(max_length=1000)
    attribution = blocks.CharBlock(required=False, max_length=200)

    class Meta:
        icon = "openquote"
        template = "content/blocks/quote.html"


class LinkTargetBlock(blocks.StructBlock):
    """A link to a page on this site or to an external URL (exactly one of them)."""

    page = blocks.PageChooserBlock(required=False)
    url = blocks.URLBlock(required=False, label="External URL")

    def clean(self, value: blocks.StructValue) -> blocks.StructValue:
        cleaned = super().clean(value)
        if bool(cleaned.get("page")) == bool(cleaned.get("url")):
            raise blocks.StructBlockValidationError(
                block_errors={"url": ValidationError("Choose a page or enter a URL, not both.")}
            )
        return cleaned


class CallToActionBlock(blocks.StructBlock):
    label = blocks.CharBlock(max_length=60)
    target = LinkTargetBlock()
    style = blocks.ChoiceBlock(
        choices=[("primary", "Primary"), ("secondary", "Secondary")], default="primary"
    )

    class Meta:
        icon = "link"
        template = "content/blocks/call_to_action.html"


class FaqItemBlock(blocks.StructBlock):
    question = blocks.CharBlock(max_length=300)
    answer = RichTextBlock(features=RICH_TEXT_FEATURES)


class FaqBlock(blocks.StructBlock):
    title = blocks.CharBlock(required=False, max_length=200)
    items = blocks.ListBlock(FaqItemBlock(), min_num=1)

    class Meta:
        icon = "help"
        template = "content/blocks/faq.html"


VIDEO_HOSTS = {
    "www.youtube.com": "youtube",
    "youtube.com": "youtube",
    "m.youtube.com": "youtube",
    "youtu.be": "youtube",
    "vimeo.com": "vimeo",
    "player.vimeo.com": "vimeo",
}


def video_embed_url(url: str) -> str | None:
    """The privacy-friendly player URL for a supported video page URL, or None."""
    parts = urlsplit(url)
    provider = VIDEO_HOSTS.get(parts.netloc.lower())
    if provider == "youtube":
        if parts.netloc.lower() == "youtu.be":
            video_id = parts.path.strip("/")
        elif parts.path.startswith("/embed/"):
            video_id = parts.path.removeprefix("/embed/").strip("/")
        else:
            video_id = parse_qs(parts.query).get("v", [""])[0]
        if video_id.replace("-", "").replace("_", "").isalnum():
            return f"https://www.youtube-nocookie.com/embed/{video_id}?autoplay=1"
    if provider == "vimeo":
        video_id = parts.path.strip("/").split("/")[-1]
        if video_id.isdigit():
            return f"https://player.vimeo.com/video/{video_id}?autoplay=1&dnt=1"
    return None


class VideoURLField(forms.URLField):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(assume_scheme="https", **kwargs)  # type: ignore[arg-type]

    def clean(self, value: str) -> str:
        cleaned: str = super().clean(value)
        if cleaned and video_embed_url(cleaned) is None:
            raise ValidationError("Enter a YouTube or Vimeo video URL.")
        return cleaned


class VideoURLBlock(blocks.URLBlock):
    def __init__(self, required: bool = True, **kwargs: object) -> None:
        super().__init__(required=required, **kwargs)
        self.field = VideoURLField(required=required)


class VideoBlock(blocks.StructBlock):
    """A video that makes no third-party request until the visitor presses play."""

    url = VideoURLBlock(help_text="YouTube or Vimeo address of the video.")
    title = blocks.CharBlock(max_length=200, help_text="Describes the video for screen readers.")
    poster = ImageChooserBlock(required=False, help_text="Shown before play; from our library.")

    class Meta:
        icon = "media"
        template = "content/blocks/video.html"

    def get_context(self, value: blocks.StructValue, parent_context: dict | None = None) -> dict:
        context: dict = super().get_context(value, parent_context)
        context["embed_url"] = video_embed_url(value["url"])
        return context

    def clean(self, value: blocks.StructValue) -> blocks.StructValue:
        cleaned = super().clean(value)
        _check_registry(cleaned, "url", video_embed_url(cleaned["url"]) or "", "frame-src")
        return cleaned


def _check_registry(value: blocks.StructValue, field: str, url: str, directive: str) -> None:
    """Refuse the block, at ``field``, when ``url`` loads from a host IT has not approved."""
    try:
        governance.check_url(url, directive, element=field)
    except ValidationError as error:
        raise StructBlockValidationError(block_errors={field: error}) from None


class LoadsFromURLBlock(blocks.StructBlock):
    """A block whose ``url`` the browser loads: refused unless its host is approved for
    ``loads_as`` (a CSP directive) in the technology registry."""

    loads_as = ""

    def clean(self, value: blocks.StructValue) -> blocks.StructValue:
        cleaned = super().clean(value)
        _check_registry(cleaned, "url", cleaned["url"], self.loads_as)
        return cleaned


class EmbedBlock(LoadsFromURLBlock):
    """Another site's widget or player in a frame (a map, a booking form, a survey)."""

    loads_as = "frame-src"

    url = blocks.URLBlock(help_text="The address the vendor gives for embedding (iframe src).")
    title = blocks.CharBlock(max_length=200, help_text="Describes the frame for screen readers.")
    aspect_ratio = blocks.ChoiceBlock(
        choices=[("16-9", "16:9"), ("4-3", "4:3"), ("1-1", "square"), ("tall", "tall (form)")],
        default="16-9",
    )

    class Meta:
        icon = "globe"
        template = "content/blocks/embed.html"
        label = "Embed (iframe)"


class ExternalImageBlock(LoadsFromURLBlock):
    """An image served by another host (a vendor's badge, a partner's logo)."""

    loads_as = "img-src"

    url = blocks.URLBlock(label="Image URL")
    alt_text = blocks.CharBlock(
        max_length=300, help_text="What the image shows, for screen readers."
    )
    caption = blocks.CharBlock(required=False, max_length=300)

    class Meta:
        icon = "image"
        template = "content/blocks/external_image.html"
        label = "Image from a URL"


class HTMLBlock(blocks.RawHTMLBlock):
    """A vendor's snippet as given (script tags, iframes, forms), for the cases no block
    covers. What it loads must be approved in the technology registry."""

    class Meta:
        icon = "code"
        label = "HTML (vendor snippet)"
        template = "content/blocks/html.html"

    def clean(self, value: str) -> str:
        cleaned: str = super().clean(value)
        governance.check_html(str(cleaned))
        return cleaned


class BodyStreamBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = RichTextBlock(features=RICH_TEXT_FEATURES, icon="pilcrow")
    image = CaptionedImageBlock()
    image_and_text = ImageAndTextBlock()
    quote = QuoteBlock()
    call_to_action = CallToActionBlock()
    table = TableBlock(template="content/blocks/table.html")
    faq = FaqBlock()
    video = VideoBlock()
    embed = EmbedBlock()
    external_image = ExternalImageBlock()
    html = HTMLBlock()
