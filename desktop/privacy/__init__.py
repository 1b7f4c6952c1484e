"""Privacy by construction: the data key, encryption at rest, redaction and the network guard.

Call content (transcripts, suggestions, recordings, account notes, audit payloads) is only ever
written encrypted with the data key (`keys.load_or_create_key`); metadata (ids, times, types)
is plain. `redact` scrubs personal numbers and addresses from exports; `netguard` proves that
no non-loopback connection is opened.
"""
