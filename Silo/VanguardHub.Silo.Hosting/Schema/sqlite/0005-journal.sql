-- Teams store each batch as an entry of their journal, and their whole state only every few entries: one write
-- carries the entries of every team whose batch is ready, instead of each team rewriting its state. An activation
-- reads the entries its stored state does not include.
--
-- Rows go in the order they are written, with no other index: each write then changes the table's last page (and
-- now and then a new one) instead of a page of an index per entry, and with SQLite every page a write changes goes
-- to the log whole. The table holds only the entries no team state includes yet (a few per team), so finding one
-- team's among them reads little. SQLite serves one node, whose grains are activated once, so no key needs to refuse
-- a second writer of one stream (PostgreSQL's table has that key).
CREATE TABLE VanguardHubJournal (
    Id INTEGER PRIMARY KEY,
    ServiceId TEXT NOT NULL,
    StreamKey TEXT NOT NULL,
    EntryNumber INTEGER NOT NULL,
    Payload BLOB NOT NULL
);
