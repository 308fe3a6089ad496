package store

import (
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// openPostgres opens a pgx connection pool behind database/sql. Bun
// formats every query with its arguments inlined, so the simple protocol
// is enough and keeps the pool usable behind PgBouncer.
func openPostgres(dsn string, opts Options) (*bun.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx quotes the URL, password included, in its parse errors.
		return nil, errors.New("parse postgres url: the URL is malformed")
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	sqldb := stdlib.OpenDB(*cfg)
	if opts.MaxOpenConns > 0 {
		sqldb.SetMaxOpenConns(opts.MaxOpenConns)
		sqldb.SetMaxIdleConns(opts.MaxOpenConns)
	}
	if opts.ConnMaxLifetime > 0 {
		sqldb.SetConnMaxLifetime(opts.ConnMaxLifetime)
	}
	return bun.NewDB(sqldb, pgdialect.New()), nil
}
