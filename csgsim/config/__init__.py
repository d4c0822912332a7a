"""Scenario configuration: the schema, the loader and the staffing vocabulary.

Why the loader is hand-written rather than pydantic or msgspec (decided in the layering work,
issue 8): a scenario value may be a plain number or a `{value, source|assumption}` table whose
provenance must be kept per key; every region inherits `[defaults]` key by key; and every error
must name the file, the dotted key, the bad value and what is allowed, in words a coordinator
reads (the CLI tests pin that wording). A schema library would need a custom validator for the
provenance wrapper on every field, a pre-pass for inheritance, and a translation of its own
error texts, so it would not shorten the code; `TableReader` does all three in one place.
"""
