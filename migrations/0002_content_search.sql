-- Full-text search over content titles and bodies (D1 supports SQLite's FTS5). The index is an
-- external-content table over `content` (keyed by its rowid) kept in step by triggers, so no
-- application code can forget to update it.
CREATE VIRTUAL TABLE `content_fts` USING fts5(title, body, content='content', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2');
--> statement-breakpoint
CREATE TRIGGER `content_fts_after_insert` AFTER INSERT ON `content` BEGIN
  INSERT INTO content_fts(rowid, title, body) VALUES (new.rowid, new.title, new.body);
END;
--> statement-breakpoint
CREATE TRIGGER `content_fts_after_delete` AFTER DELETE ON `content` BEGIN
  INSERT INTO content_fts(content_fts, rowid, title, body) VALUES ('delete', old.rowid, old.title, old.body);
END;
--> statement-breakpoint
CREATE TRIGGER `content_fts_after_update` AFTER UPDATE OF title, body ON `content` BEGIN
  INSERT INTO content_fts(content_fts, rowid, title, body) VALUES ('delete', old.rowid, old.title, old.body);
  INSERT INTO content_fts(rowid, title, body) VALUES (new.rowid, new.title, new.body);
END;
