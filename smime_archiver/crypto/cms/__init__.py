"""CMS (S/MIME) unwrapping: enveloped, signed and compressed layers, ciphers, recipients."""
