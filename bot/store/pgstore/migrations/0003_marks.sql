-- paperbot's state, version 3: the team's marks on papers (bot.Mark):
-- reactions on the digest's posts and in their threads, and saves
-- (bookmarks). One row per person, paper, kind and detail (the emoji), so
-- a repeated delivery adds nothing and a removal removes that one.

CREATE TABLE marks (
	platform text COLLATE "C" NOT NULL,
	team     text COLLATE "C" NOT NULL,
	paper_id text COLLATE "C" NOT NULL,
	user_id  text COLLATE "C" NOT NULL,
	kind     text COLLATE "C" NOT NULL,
	detail   text COLLATE "C" NOT NULL,
	at       timestamptz NOT NULL,
	record   jsonb NOT NULL,
	PRIMARY KEY (platform, team, paper_id, user_id, kind, detail)
);
CREATE INDEX marks_paper ON marks (paper_id);
CREATE INDEX marks_scope_at ON marks (platform, team, at);

-- Finding the discussion a reacted message belongs to, by its thread id.
CREATE INDEX discussions_thread ON discussions (platform, thread_id);
