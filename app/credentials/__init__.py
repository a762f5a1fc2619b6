"""Open Badges 3.0: signed credentials for certificates, the issuer's keys and the revocation list."""
