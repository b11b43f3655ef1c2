"""MIME: the raw parser, header and body walk, charsets, HTML to text."""
