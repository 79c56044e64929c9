"""Newsletter lists, subscribers and the suppression list in the Wagtail admin.

Wagtail's generic views check the model permissions (granted to the roles by migration) and
write ``wagtail.create``/``wagtail.edit``/``wagtail.delete`` log entries for every change.
"""

from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from ..imports.views import SubscriberImportViewSet
from .models import MailingList, Subscriber, Subscription, Suppression


def _confirmed_count(mailing_list: MailingList) -> int:
    return mailing_list.subscriptions.filter(status=Subscription.Status.CONFIRMED).count()


def _lists(subscriber: Subscriber) -> str:
    return ", ".join(
        f"{s.mailing_list.name} ({s.get_status_display()})"
        for s in subscriber.subscriptions.select_related("mailing_list")
    )


class MailingListViewSet(ModelViewSet):
    model = MailingList
    name = "newsletter_lists"
    url_prefix = "newsletter/lists"
    icon = "list-ul"
    menu_label = "Lists"
    form_fields = ["name", "description", "from_email"]
    list_display = ["name", Column("confirmed", label="Confirmed", accessor=_confirmed_count)]
    search_fields = ["name"]
    search_backend_name = None
    inspect_view_enabled = True


class SubscriberViewSet(ModelViewSet):
    model = Subscriber
    name = "newsletter_subscribers"
    url_prefix = "newsletter/subscribers"
    icon = "user"
    menu_label = "Subscribers"
    form_fields = ["email", "name"]
    list_display = ["email", "name", Column("lists", label="Lists", accessor=_lists), "created_at"]
    list_filter = ["subscriptions__mailing_list", "subscriptions__status"]
    search_fields = ["email", "name"]
    search_backend_name = None
    inspect_view_enabled = True
    inspect_view_fields = ["email", "name", "created_at"]


class SuppressionViewSet(ModelViewSet):
    model = Suppression
    name = "newsletter_suppressions"
    url_prefix = "newsletter/suppressions"
    icon = "warning"
    menu_label = "Suppression list"
    form_fields = ["email", "reason", "detail"]
    list_display = ["email", "reason", "created_at"]
    list_filter = ["reason"]
    search_fields = ["email"]
    search_backend_name = None


class NewsletterViewSetGroup(ModelViewSetGroup):
    menu_label = "Newsletter"
    menu_icon = "mail"
    menu_order = 160
    items = (MailingListViewSet, SubscriberViewSet, SuppressionViewSet, SubscriberImportViewSet)
