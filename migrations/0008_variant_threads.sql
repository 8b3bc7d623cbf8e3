-- A variant may carry a thread: the posts that follow its first one as a chain of replies (X,
-- Bluesky, Threads, Mastodon). A JSON array of strings; existing variants are single posts.
ALTER TABLE `content_variants` ADD `thread` text DEFAULT '[]' NOT NULL;
