"""Key loading: key files, PEM/DER keys, NSS profiles, PKCS#11 tokens, the key store."""
