package main

import (
	"context"

	"github.com/urfave/cli/v3"
	"github.com/usergraph/usergraph/store"
)

func (c *commandLine) migrateCommand() *cli.Command {
	return &cli.Command{
		Name:   "migrate",
		Usage:  "apply the database migrations that are not applied yet",
		Action: c.migrate,
		Commands: []*cli.Command{{
			Name:   "status",
			Usage:  "list the migrations and when each was applied",
			Action: c.migrateStatus,
		}},
	}
}

// openStore opens the configured database without migrating it.
func (c *commandLine) openStore(ctx context.Context,
	cmd *cli.Command) (*store.Store, error) {
	cfg, err := c.config(cmd)
	if err != nil {
		return nil, err
	}
	return store.Open(ctx, store.Options{URL: cfg.Database,
		MaxOpenConns: cfg.DB.MaxOpenConns, BusyTimeout: cfg.DB.BusyTimeout})
}

func (c *commandLine) migrate(ctx context.Context, cmd *cli.Command) error {
	st, err := c.openStore(ctx, cmd)
	if err != nil {
		return err
	}
	defer st.Close()
	applied, err := st.Migrate(ctx)
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		printf(cmd, "nothing to migrate: the database is up to date")
	}
	for _, name := range applied {
		printf(cmd, "applied %s", name)
	}
	return nil
}

func (c *commandLine) migrateStatus(ctx context.Context,
	cmd *cli.Command) error {
	st, err := c.openStore(ctx, cmd)
	if err != nil {
		return err
	}
	defer st.Close()
	ms, err := st.Migrations(ctx)
	if err != nil {
		return err
	}
	for _, m := range ms {
		status := "pending"
		if m.AppliedAt != nil {
			status = "applied " + m.AppliedAt.Format("2006-01-02T15:04:05Z")
		}
		printf(cmd, "%s_%s\t%s", m.Name, m.Comment, status)
	}
	return nil
}
