"""A province-sized synthetic data set with complete, consistent histories, written in bulk.

``daibiao synth --counties N`` writes, county by county, the rows the services would have
written for a campaign's two years: the area tree, units, deputies and their mandates, a
few logins per county, clues and suggestions with every event, assignment, reply, rating and
extension, the change log and the search index. See ``build`` for the shape of the data and
``bulk`` for how rows reach the database (COPY on PostgreSQL, executemany on SQLite).
"""
