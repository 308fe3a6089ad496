package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/urfave/cli/v3"
)

// errConfig marks a configuration problem: the process exits with 2.
var errConfig = errors.New("configuration")

// newCommand builds usergraph's command line. Every setting of Config is
// a flag of the root command, inherited by the subcommands, with its
// USERGRAPH_ variable as a fallback read through getenv; `serve` is the
// default command.
func newCommand(getenv func(string) string, stdin io.Reader, stdout,
	stderr io.Writer) *cli.Command {
	cfg := &Config{}
	fs := flag.NewFlagSet("usergraph", flag.ContinueOnError)
	cfg.register(fs)
	c := &commandLine{cfg: cfg, fs: fs, stderr: stderr}
	serveCmd := &cli.Command{
		Name:   "serve",
		Usage:  "serve the GraphQL API (the default command)",
		Action: c.serve,
	}
	return &cli.Command{
		Name:  "usergraph",
		Usage: "a GraphQL API for user accounts",
		Description: "Every flag can also be set by the environment " +
			"variable shown beside it; a flag wins over its variable.",
		Flags:     configFlags(fs, getenv),
		Reader:    stdin,
		Writer:    stdout,
		ErrWriter: stderr,
		Action:    c.serve,
		Commands: []*cli.Command{serveCmd, c.migrateCommand(),
			c.keysCommand(), c.userCommand()},
		// Errors are reported by run, once.
		ExitErrHandler: func(context.Context, *cli.Command, error) {},
	}
}

// commandLine holds what the commands share: the configuration the flags
// fill in.
type commandLine struct {
	cfg    *Config
	fs     *flag.FlagSet
	stderr io.Writer
}

// config finishes the configuration once the flags are parsed: mode
// defaults for what was not set explicitly, then validation.
func (c *commandLine) config(cmd *cli.Command) (*Config, error) {
	explicit := map[string]bool{}
	c.fs.VisitAll(func(f *flag.Flag) {
		if cmd.IsSet(f.Name) {
			explicit[f.Name] = true
		}
	})
	c.cfg.applyModeDefaults(explicit)
	if err := c.cfg.Validate(); err != nil {
		return nil, fmt.Errorf("%w:\n%w", errConfig, err)
	}
	return c.cfg, nil
}

func (c *commandLine) serve(ctx context.Context, cmd *cli.Command) error {
	if cmd.Args().Present() {
		return fmt.Errorf("%w: unexpected argument %q", errConfig,
			cmd.Args().First())
	}
	cfg, err := c.config(cmd)
	if err != nil {
		return err
	}
	return serve(ctx, cfg, newLogger(cfg, c.stderr))
}

// withApp runs fn with a wired app (migrated database, keys, services)
// for the commands that act on the database instead of serving.
func (c *commandLine) withApp(ctx context.Context, cmd *cli.Command,
	fn func(a *app) error) error {
	cfg, err := c.config(cmd)
	if err != nil {
		return err
	}
	a, err := newApp(ctx, cfg, newLogger(cfg, c.stderr))
	if err != nil {
		return err
	}
	defer a.close()
	return fn(a)
}

// configFlags turns the configuration's flag set into command-line
// flags, so that names, defaults and help are written once.
func configFlags(fs *flag.FlagSet, getenv func(string) string) []cli.Flag {
	var flags []cli.Flag
	fs.VisitAll(func(f *flag.Flag) {
		flags = append(flags, &cli.GenericFlag{
			Name:  f.Name,
			Usage: f.Usage,
			Value: f.Value.(cli.Value),
			Sources: cli.NewValueSourceChain(
				envSource{key: envName(f.Name), getenv: getenv}),
		})
	})
	return flags
}

// envSource reads a flag's fallback from the environment through getenv,
// so that tests can pass an environment of their own.
type envSource struct {
	key    string
	getenv func(string) string
}

func (e envSource) Lookup() (string, bool) {
	v := e.getenv(e.key)
	return v, v != ""
}
func (e envSource) String() string   { return "environment variable " + e.key }
func (e envSource) GoString() string { return "envSource(" + e.key + ")" }
func (e envSource) IsFromEnv() bool  { return true }
func (e envSource) Key() string      { return e.key }

// printf writes a line of a command's output.
func printf(cmd *cli.Command, format string, args ...any) {
	fmt.Fprintf(cmd.Root().Writer, format+"\n", args...)
}
