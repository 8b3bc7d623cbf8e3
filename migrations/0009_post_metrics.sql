-- Engagement pulled from the platforms (issue 8), written by hand to match lib/db/schema/metrics.ts
-- and the new publications column: one post_metrics row per pull (null where the platform gives no
-- figure), and on each publication when its figures are next due (null: not pulled, or no longer).
ALTER TABLE `publications` ADD `metrics_due_at` integer;--> statement-breakpoint
CREATE INDEX `publications_metrics_due_idx` ON `publications` (`metrics_due_at`);--> statement-breakpoint
CREATE TABLE `post_metrics` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`workspace_id` text NOT NULL,
	`publication_id` text NOT NULL,
	`pulled_at` integer NOT NULL,
	`impressions` integer,
	`likes` integer,
	`comments` integer,
	`shares` integer,
	`clicks` integer,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`publication_id`) REFERENCES `publications`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `post_metrics_publication_idx` ON `post_metrics` (`publication_id`,`pulled_at`);--> statement-breakpoint
CREATE INDEX `post_metrics_workspace_idx` ON `post_metrics` (`workspace_id`,`pulled_at`);--> statement-breakpoint
-- Posts already out within the last two months are pulled from the next run on (the schedule then
-- follows their age); older ones are past the schedule's end.
UPDATE `publications` SET `metrics_due_at` = (unixepoch('subsec') * 1000)
WHERE `status` = 'published' AND `external_id` IS NOT NULL AND `published_at` > (unixepoch('subsec') * 1000) - 60 * 86400000;
