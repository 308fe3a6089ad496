package main

import (
	"context"
	"errors"
	"os"
	"time"

	"github.com/urfave/cli/v3"
	"github.com/usergraph/usergraph/models"
)

func (c *commandLine) keysCommand() *cli.Command {
	kid := &cli.StringArg{Name: "kid", UsageText: "the key's id"}
	return &cli.Command{
		Name: "keys",
		Usage: "manage the token signing keys kept in the database " +
			"(publish, then activate once the JWKS has shown it, then " +
			"retire)",
		Commands: []*cli.Command{
			{Name: "list", Usage: "list the keys and their states",
				Action: c.keysAction(keysList)},
			{Name: "publish", Usage: "add a key to the JWKS; it does not " +
				"sign until activated",
				Flags: []cli.Flag{&cli.StringFlag{Name: "alg",
					Usage: "EdDSA, ES256, RS256 or HS256 (default: the " +
						"configured algorithm)"}},
				Action: c.keysAction(keysPublish)},
			{Name: "import", Usage: "publish a PEM private key from a file",
				Arguments: []cli.Argument{&cli.StringArg{Name: "file"}},
				Action:    c.keysAction(keysImport)},
			{Name: "activate", Usage: "make a published key sign",
				Arguments: []cli.Argument{kid},
				Flags: []cli.Flag{&cli.BoolFlag{Name: "force",
					Usage: "activate before the JWKS cache lifetime has " +
						"passed (clients may refuse its tokens for a while)"}},
				Action: c.keysAction(keysActivate)},
			{Name: "retire", Usage: "stop a key from signing; it verifies " +
				"until its tokens have expired",
				Arguments: []cli.Argument{kid},
				Action:    c.keysAction(keysRetire)},
			{Name: "rotate", Usage: "take the next scheduled rotation step " +
				"now, if one is due", Action: c.keysAction(keysRotate)},
		},
	}
}

type keysFunc func(ctx context.Context, cmd *cli.Command, a *app) error

func (c *commandLine) keysAction(fn keysFunc) cli.ActionFunc {
	return func(ctx context.Context, cmd *cli.Command) error {
		return c.withApp(ctx, cmd, func(a *app) error {
			if a.keys == nil {
				return errors.New("the signing key is configured as a " +
					"file or variable: usergraph does not manage it")
			}
			return fn(ctx, cmd, a)
		})
	}
}

func keysList(ctx context.Context, cmd *cli.Command, a *app) error {
	ks, err := a.keys.List(ctx)
	if err != nil {
		return err
	}
	for _, k := range ks {
		printKey(cmd, k)
	}
	return nil
}

func printKey(cmd *cli.Command, k *models.SigningKey) {
	when := func(t *time.Time) string {
		if t == nil {
			return "-"
		}
		return t.UTC().Format(time.RFC3339)
	}
	printf(cmd, "%s\t%s\t%s\tpublished %s\tactivated %s\tretired %s",
		k.ID, k.Algorithm, k.State, k.PublishedAt.UTC().Format(time.RFC3339),
		when(k.ActivatedAt), when(k.RetiredAt))
}

func keysPublish(ctx context.Context, cmd *cli.Command, a *app) error {
	k, err := a.keys.Publish(ctx, cmd.String("alg"))
	if err != nil {
		return err
	}
	printf(cmd, "published")
	printKey(cmd, k)
	return nil
}

func keysImport(ctx context.Context, cmd *cli.Command, a *app) error {
	pem, err := os.ReadFile(cmd.StringArg("file"))
	if err != nil {
		return err
	}
	k, err := a.keys.Import(ctx, pem)
	if err != nil {
		return err
	}
	printf(cmd, "imported")
	printKey(cmd, k)
	return nil
}

func keysActivate(ctx context.Context, cmd *cli.Command, a *app) error {
	kid := cmd.StringArg("kid")
	activate := a.keys.Activate
	if cmd.Bool("force") {
		activate = a.keys.ForceActivate
	}
	if err := activate(ctx, kid); err != nil {
		return err
	}
	printf(cmd, "activated %s; instances sign with it within a minute", kid)
	return nil
}

func keysRetire(ctx context.Context, cmd *cli.Command, a *app) error {
	kid := cmd.StringArg("kid")
	if err := a.keys.Retire(ctx, kid); err != nil {
		return err
	}
	printf(cmd, "retired %s", kid)
	return nil
}

func keysRotate(ctx context.Context, cmd *cli.Command, a *app) error {
	if err := a.keys.Rotate(ctx); err != nil {
		return err
	}
	printf(cmd, "rotation step taken")
	return keysList(ctx, cmd, a)
}
