"""The analytics dashboard in the Wagtail admin: the page, its JSON endpoints, annotations."""
