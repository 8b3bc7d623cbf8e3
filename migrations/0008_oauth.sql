-- OAuth connections (issue 6). Written by hand; lib/db/schema/publishing.ts matches it.
-- When an account's access token stops working (the refresh cron's index); `token_expires_at` stays
-- when the whole sign-in dies (the refresh token's expiry).
ALTER TABLE `social_accounts` ADD `access_expires_at` integer;
--> statement-breakpoint
-- When that access token was obtained: a token is renewed once half its life has gone (at most a day
-- ahead), so two-hour tokens (X) are renewed hourly, not on every run of the cron.
ALTER TABLE `social_accounts` ADD `access_issued_at` integer;
--> statement-breakpoint
CREATE INDEX `social_accounts_access_expiry_idx` ON `social_accounts` (`access_expires_at`);
--> statement-breakpoint
-- A connect flow under way: the state's hash (or the pick step's id), who started it where, and its
-- secrets sealed (the PKCE verifier; after the callback, the accounts to choose from). Short-lived.
CREATE TABLE `oauth_flows` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`user_id` text NOT NULL,
	`platform` text NOT NULL,
	`stage` text NOT NULL,
	`service_url` text,
	`sealed` text NOT NULL,
	`expires_at` integer NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `oauth_flows_expires_idx` ON `oauth_flows` (`expires_at`);
--> statement-breakpoint
-- Apps registered on per-instance platforms (a Mastodon server), once per instance and callback
-- address; the client secret sealed.
CREATE TABLE `oauth_apps` (
	`id` text PRIMARY KEY NOT NULL,
	`platform` text NOT NULL,
	`origin` text NOT NULL,
	`redirect_uri` text NOT NULL,
	`client_id` text NOT NULL,
	`client_secret` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `oauth_apps_instance_idx` ON `oauth_apps` (`platform`,`origin`,`redirect_uri`);
