package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"

	"github.com/urfave/cli/v3"
	"github.com/usergraph/usergraph/models"
)

func (c *commandLine) userCommand() *cli.Command {
	email := &cli.StringFlag{Name: "email", Required: true,
		Usage: "the account's email address"}
	role := &cli.StringFlag{Name: "role", Value: "user",
		Usage: "user or admin"}
	return &cli.Command{
		Name:  "user",
		Usage: "manage accounts as the operator (no login needed)",
		Commands: []*cli.Command{
			{Name: "create", Usage: "create an account, e.g. the first " +
				"administrator; the password is read from stdin with " +
				"--password-stdin, or generated and printed once",
				Flags: []cli.Flag{email, role, &cli.BoolFlag{
					Name: "password-stdin", Usage: "read the password " +
						"from the first line of standard input"}},
				Action: c.userAction(userCreate)},
			{Name: "set-role", Usage: "change an account's role",
				Flags:  []cli.Flag{email, &cli.StringFlag{Name: "role", Required: true, Usage: "user or admin"}},
				Action: c.userAction(userSetRole)},
			{Name: "disable", Usage: "disable an account and end its " +
				"sessions", Flags: []cli.Flag{email},
				Action: c.userAction(userDisable(true))},
			{Name: "enable", Usage: "enable a disabled account",
				Flags:  []cli.Flag{email},
				Action: c.userAction(userDisable(false))},
		},
	}
}

type userFunc func(ctx context.Context, cmd *cli.Command, a *app) error

func (c *commandLine) userAction(fn userFunc) cli.ActionFunc {
	return func(ctx context.Context, cmd *cli.Command) error {
		return c.withApp(ctx, cmd, func(a *app) error {
			return explain(fn(ctx, cmd, a))
		})
	}
}

// explain turns user errors into one readable line for the terminal.
func explain(err error) error {
	if es, ok := models.UserErrors(err); ok {
		msgs := make([]string, len(es))
		for i, e := range es {
			msgs[i] = e.Message
		}
		return errors.New(strings.Join(msgs, " "))
	}
	return err
}

func parseRole(s string) (models.Role, error) {
	r := models.Role(strings.ToUpper(s))
	if !r.Valid() {
		return "", fmt.Errorf("%w: role must be user or admin", errConfig)
	}
	return r, nil
}

func userCreate(ctx context.Context, cmd *cli.Command, a *app) error {
	role, err := parseRole(cmd.String("role"))
	if err != nil {
		return err
	}
	password, generated := "", false
	if cmd.Bool("password-stdin") {
		line, err := bufio.NewReader(cmd.Root().Reader).ReadString('\n')
		if line = strings.TrimRight(line, "\r\n"); line == "" {
			return fmt.Errorf("no password on standard input: %v", err)
		}
		password = line
	} else {
		password, generated = rand.Text()+rand.Text(), true
	}
	u, err := a.accounts.CreateUser(ctx, cmd.String("email"), password, role)
	if err != nil {
		return err
	}
	printf(cmd, "created %s (%s) with role %s", u.Email, u.ID, u.Role)
	if generated {
		printf(cmd, "password (shown once): %s", password)
	}
	return nil
}

func userSetRole(ctx context.Context, cmd *cli.Command, a *app) error {
	role, err := parseRole(cmd.String("role"))
	if err != nil {
		return err
	}
	u, err := a.accounts.OperatorSetRole(ctx, cmd.String("email"), role)
	if err != nil {
		return err
	}
	printf(cmd, "%s (%s) now has role %s", u.Email, u.ID, u.Role)
	return nil
}

func userDisable(disabled bool) userFunc {
	return func(ctx context.Context, cmd *cli.Command, a *app) error {
		u, err := a.accounts.OperatorSetDisabled(ctx, cmd.String("email"),
			disabled)
		if err != nil {
			return err
		}
		state := "enabled"
		if u.Disabled {
			state = "disabled; its sessions have ended"
		}
		printf(cmd, "%s (%s) is %s", u.Email, u.ID, state)
		return nil
	}
}
