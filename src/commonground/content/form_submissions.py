"""The landing page's form-submissions listing and its CSV export, formula-safe."""

from wagtail.contrib.forms.views import SubmissionsListView

from commonground.core.spreadsheet_cells import FormulaSafeExportMixin


class FormulaSafeSubmissionsListView(FormulaSafeExportMixin, SubmissionsListView):
    """Wagtail's submissions listing; a visitor's answer such as ``=HYPERLINK(...)`` is
    exported as text, not as a formula the reader's spreadsheet would run."""
