"""PySide6 face of smime-archiver. The only package that may import Qt."""
