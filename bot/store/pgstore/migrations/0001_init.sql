-- paperbot's state, version 1. Text keys sort bytewise (COLLATE "C"), as in
-- the bbolt file. Records the core defines (subscriptions, digest days,
-- discussions, papers) are kept whole as JSON, in the same encoding as in
-- bbolt; the columns beside them are what is looked up or sorted by.

CREATE TABLE subscriptions (
	platform text COLLATE "C" NOT NULL,
	channel  text COLLATE "C" NOT NULL,
	record   jsonb NOT NULL,
	PRIMARY KEY (platform, channel)
);

-- One channel's digest of one local date (bot.DigestDay).
CREATE TABLE digest_days (
	platform text COLLATE "C" NOT NULL,
	channel  text COLLATE "C" NOT NULL,
	date     text COLLATE "C" NOT NULL,
	status   text NOT NULL,
	record   jsonb NOT NULL,
	PRIMARY KEY (platform, channel, date)
);
CREATE INDEX digest_days_open ON digest_days (platform, channel, date) WHERE status = 'open';

-- Papers that may have been posted to a channel, with the date of the day
-- that (maybe) posted them.
CREATE TABLE digest_sent (
	platform text COLLATE "C" NOT NULL,
	channel  text COLLATE "C" NOT NULL,
	paper_id text COLLATE "C" NOT NULL,
	date     text COLLATE "C" NOT NULL,
	PRIMARY KEY (platform, channel, paper_id)
);

-- The first date each paper was in a channel's trending window.
CREATE TABLE digest_seen (
	platform text COLLATE "C" NOT NULL,
	channel  text COLLATE "C" NOT NULL,
	paper_id text COLLATE "C" NOT NULL,
	date     text COLLATE "C" NOT NULL,
	PRIMARY KEY (platform, channel, paper_id)
);

-- Discussion threads started for papers (bot.Discussion).
CREATE TABLE discussions (
	paper_id  text COLLATE "C" NOT NULL,
	platform  text COLLATE "C" NOT NULL,
	channel   text COLLATE "C" NOT NULL,
	thread_id text COLLATE "C" NOT NULL,
	started   timestamptz NOT NULL,
	record    jsonb NOT NULL,
	PRIMARY KEY (paper_id, platform, channel, thread_id)
);
CREATE INDEX discussions_started ON discussions (started);

-- Leases: who holds each, until when (the database's clock), and the
-- fencing token, which only grows.
CREATE TABLE leases (
	name       text COLLATE "C" PRIMARY KEY,
	holder     text NOT NULL,
	token      bigint NOT NULL,
	expires_at timestamptz NOT NULL
);

-- Seen keys (event dedupe, replay guards) until they expire.
CREATE TABLE seen_keys (
	key        text COLLATE "C" PRIMARY KEY,
	expires_at timestamptz NOT NULL
);
CREATE INDEX seen_keys_expires ON seen_keys (expires_at);

-- The sources' small state (feed validators, last runs).
CREATE TABLE cursors (
	name       text COLLATE "C" PRIMARY KEY,
	value      bytea NOT NULL,
	updated_at timestamptz NOT NULL
);

-- The shared papers table: the source of truth when replicas run. seq is
-- the paper's place in the change feed; writers take paper_feed's row lock
-- first, so sequence numbers become visible in order.
CREATE TABLE papers (
	id         text COLLATE "C" PRIMARY KEY,
	record     jsonb NOT NULL,
	seq        bigint NOT NULL UNIQUE,
	updated_at timestamptz NOT NULL
);
CREATE TABLE paper_feed (
	one      boolean PRIMARY KEY DEFAULT true CHECK (one),
	last_seq bigint NOT NULL
);
INSERT INTO paper_feed (one, last_seq) VALUES (true, 0);
