"""Images: alt text is required, in the admin form and in the model."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from commonground.content.models import ContentImage

from ..conftest import client_for
from ..core.factories import UserFactory
from .admin_forms import image_form_data
from .factories import ContentImageFactory

pytestmark = pytest.mark.django_db


def png_upload(name: str = "upload.png") -> SimpleUploadedFile:
    factory_file = ContentImageFactory.build().file
    return SimpleUploadedFile(name, factory_file.read(), content_type="image/png")


@pytest.fixture
def superuser_client():
    # A superuser: the form is under test here; who may use it is tested in core/test_roles.
    return client_for(UserFactory(is_superuser=True))


def test_admin_refuses_an_upload_without_alt_text(superuser_client) -> None:
    response = superuser_client.post(
        "/admin/images/add/",
        {"title": "No alt", "file": png_upload(), "description": "", "collection": 1},
    )

    assert response.status_code == 200
    assert "description" in response.context["form"].errors
    assert not ContentImage.objects.exists()


def test_admin_accepts_an_upload_with_alt_text(superuser_client) -> None:
    response = superuser_client.post(
        "/admin/images/add/",
        {
            "title": "With alt",
            "file": png_upload(),
            "description": "A teal square",
            "collection": 1,
        },
    )

    assert response.status_code == 302, response.context["form"].errors
    assert ContentImage.objects.get().description == "A teal square"


def test_admin_refuses_removing_the_alt_text(superuser_client) -> None:
    image = ContentImageFactory(description="A teal square")

    response = superuser_client.post(
        f"/admin/images/{image.pk}/", image_form_data(image, description="")
    )

    assert response.status_code == 200
    assert "description" in response.context["form"].errors
    image.refresh_from_db()
    assert image.description == "A teal square"


def test_model_validation_requires_alt_text() -> None:
    image = ContentImageFactory.build(description="")
    with pytest.raises(ValidationError) as excinfo:
        image.full_clean()
    assert "description" in excinfo.value.message_dict
