package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"time"

	"github.com/uptrace/bun/migrate"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// templateData fills the few places where the SQL of a migration differs
// between the databases.
type templateData struct {
	// Time is the column type of a timestamp. SQLite keeps Bun's UTC text
	// form, which sorts and compares in time order.
	Time string
}

func (s *Store) migrator() (*migrate.Migrator, error) {
	ms := migrate.NewMigrations()
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	if err := ms.Discover(sub); err != nil {
		return nil, fmt.Errorf("discover migrations: %w", err)
	}
	data := templateData{Time: "TEXT"}
	if s.dialect == Postgres {
		data.Time = "TIMESTAMPTZ"
	}
	return migrate.NewMigrator(s.db, ms,
		migrate.WithTableName("usergraph_migrations"),
		migrate.WithLocksTableName("usergraph_migration_locks"),
		migrate.WithMarkAppliedOnSuccess(true),
		migrate.WithTemplateData(data),
	), nil
}

// MigrationStatus is one migration and whether it has been applied.
type MigrationStatus struct {
	Name      string
	Comment   string
	AppliedAt *time.Time
}

// Migrate applies every migration not yet applied and returns their
// names. Several processes may call it at once on PostgreSQL: they take
// turns under an advisory lock, and all but the first find nothing to do.
func (s *Store) Migrate(ctx context.Context) ([]string, error) {
	m, err := s.migrator()
	if err != nil {
		return nil, err
	}
	var applied []string
	err = s.withMigrationLock(ctx, func() error {
		if err := m.Init(ctx); err != nil {
			return fmt.Errorf("init migrations: %w", err)
		}
		group, err := m.Migrate(ctx)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		for _, mig := range group.Migrations {
			applied = append(applied, mig.Name+"_"+mig.Comment)
		}
		return nil
	})
	return applied, err
}

// Migrations lists every known migration with its status.
func (s *Store) Migrations(ctx context.Context) ([]MigrationStatus, error) {
	m, err := s.migrator()
	if err != nil {
		return nil, err
	}
	if err := m.Init(ctx); err != nil {
		return nil, fmt.Errorf("init migrations: %w", err)
	}
	ms, err := m.MigrationsWithStatus(ctx)
	if err != nil {
		return nil, fmt.Errorf("migration status: %w", err)
	}
	out := make([]MigrationStatus, len(ms))
	for i, mig := range ms {
		out[i] = MigrationStatus{Name: mig.Name, Comment: mig.Comment}
		if mig.IsApplied() {
			at := mig.MigratedAt.UTC()
			out[i].AppliedAt = &at
		}
	}
	return out, nil
}

// Pending returns how many migrations are not yet applied. Readiness
// checks use it: an instance serves only a fully migrated database.
func (s *Store) Pending(ctx context.Context) (int, error) {
	m, err := s.migrator()
	if err != nil {
		return 0, err
	}
	missing, err := m.MissingMigrations(ctx)
	if err != nil {
		return 0, fmt.Errorf("missing migrations: %w", err)
	}
	return len(missing), nil
}

// withMigrationLock runs fn while holding a database-wide lock on
// PostgreSQL. SQLite serves one process, which runs migrations once at
// start-up, so no lock is taken there.
func (s *Store) withMigrationLock(ctx context.Context, fn func() error) error {
	if s.dialect != Postgres {
		return fn()
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migration lock conn: %w", err)
	}
	defer conn.Close()
	const key = 7_415_090_331 // any constant shared by all instances
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", key); err != nil {
		return fmt.Errorf("take migration lock: %w", err)
	}
	defer func() {
		// A fresh context: the lock must go even if ctx was cancelled.
		_, _ = conn.ExecContext(context.Background(),
			"SELECT pg_advisory_unlock(?)", key)
	}()
	return fn()
}
