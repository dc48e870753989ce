CREATE TABLE `certificate_deliveries` (
	`apprentice_id` integer PRIMARY KEY NOT NULL,
	`send_to` text NOT NULL,
	`contact_name` text NOT NULL,
	`department` text,
	`organisation` text NOT NULL,
	`address_line_1` text NOT NULL,
	`address_line_2` text,
	`address_line_3` text,
	`city` text NOT NULL,
	`postcode` text NOT NULL,
	`recorded_by` integer,
	`recorded_at` text NOT NULL,
	FOREIGN KEY (`apprentice_id`) REFERENCES `apprentices`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`recorded_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
