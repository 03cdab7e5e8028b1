// Package migrations embeds the schema and seed data as goose SQL files, so
// the backend binary carries them (`backend migrate up`).
package migrations

import (
	"context"
	"database/sql"
	"embed"
	"fmt"

	"github.com/pressly/goose/v3"
)

// FS holds every migration, applied in the order of their numeric prefixes.
//
//go:embed *.sql
var FS embed.FS

func provider(db *sql.DB) (*goose.Provider, error) {
	return goose.NewProvider(goose.DialectMySQL, db, FS)
}

// Up applies every pending migration and returns the schema version.
func Up(ctx context.Context, db *sql.DB) (int64, error) {
	p, err := provider(db)
	if err != nil {
		return 0, err
	}
	if _, err := p.Up(ctx); err != nil {
		return 0, fmt.Errorf("migrate up: %w", err)
	}
	return p.GetDBVersion(ctx)
}

// Version returns the applied schema version and how many are pending.
func Version(ctx context.Context, db *sql.DB) (current int64, pending int, err error) {
	p, err := provider(db)
	if err != nil {
		return 0, 0, err
	}
	current, err = p.GetDBVersion(ctx)
	if err != nil {
		return 0, 0, err
	}
	st, err := p.Status(ctx)
	if err != nil {
		return 0, 0, err
	}
	for _, s := range st {
		if s.State == goose.StatePending {
			pending++
		}
	}
	return current, pending, nil
}
