// Package migrations embeds the schema and seed data as goose SQL files, so
// the backend binary carries them (`backend migrate up`).
package migrations

import "embed"

// FS holds every migration, applied in the order of their numeric prefixes.
//
//go:embed *.sql
var FS embed.FS
