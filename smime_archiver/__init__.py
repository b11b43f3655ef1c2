"""smime-archiver: make old S/MIME (NemID "Sikker e-mail") readable forever."""

__version__ = "0.1.0"
