"""Reports: the analytics panel on a page's editor, the weekly e-mail report, and the
display helpers both share."""
