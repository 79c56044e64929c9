"""The common language: glossary terms, proposals to change them, and their admin pages."""
