"""CMS (S/MIME) unwrapping: enveloped, signed and compressed layers, ciphers, recipients.

:mod:`.layers` is the unwrap loop; :mod:`.envelope` loads ContentInfos and decrypts,
with :mod:`.recipients`, :mod:`.ciphers` (:mod:`.rc2`, :mod:`.keywrap`); :mod:`.signed`
verifies (:mod:`.signercerts`); :mod:`.compressed`; :mod:`.sniff` is the one answer to
"is this CMS?" and :mod:`.plausible` to "is this decrypted content real?";
:mod:`.algorithms` names the algorithms (by asn1crypto's names where it knows them).
"""
