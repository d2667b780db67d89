-- Teams store each batch as an entry of their journal, and their whole state only every few entries: one write
-- carries the entries of every team whose batch is ready, instead of each team rewriting its state. An activation
-- (on any node) reads the entries its stored state does not include. The key refuses a second entry under one
-- number, so that two writers believing they own one stream cannot both go on.
CREATE TABLE VanguardHubJournal (
    ServiceId VARCHAR(150) NOT NULL,
    StreamKey VARCHAR(300) NOT NULL,
    EntryNumber BIGINT NOT NULL,
    Payload BYTEA NOT NULL,
    PRIMARY KEY (ServiceId, StreamKey, EntryNumber)
);
