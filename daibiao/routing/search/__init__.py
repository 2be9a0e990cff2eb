"""One search box over clues, suggestions, replies, deputies and units, scoped to the reader.

``analysis`` (tokens, queries, highlighting), ``kinds`` (what is indexed and who sees it),
``index`` (keeping the index in step), ``engine`` (running a query on SQLite or PostgreSQL)."""
