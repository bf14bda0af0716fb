-- paperbot's state, version 2: OAuth installations of the app (one row per
-- workspace). The credentials are sealed by the application (AES-256-GCM,
-- with the platform and the team id as additional data) before they reach
-- the database: the record holds ciphertext, never a token.

CREATE TABLE installations (
	platform text COLLATE "C" NOT NULL,
	team     text COLLATE "C" NOT NULL,
	record   jsonb NOT NULL,
	PRIMARY KEY (platform, team)
);
