-- paperbot's state, version 4: the time of a discussion thread's last
-- reply, as the platforms report it with the reply count (Slack's
-- latest_reply, the time of a Discord thread's last message). The record
-- holds it too (LastReply); the column lets the weekly recap and an
-- operator find the threads active since a time.

ALTER TABLE discussions ADD COLUMN last_reply timestamptz;
CREATE INDEX discussions_channel_last_reply ON discussions (platform, channel, last_reply);
