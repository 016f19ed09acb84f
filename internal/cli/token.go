package cli

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/vigil-oss/vigil/internal/app"
	"github.com/vigil-oss/vigil/internal/config"
	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/service"
)

const tokenSynopsis = `token create --db DB --name NAME --role admin|analyst|engineer|auditor
       vigil token list --db DB
       vigil token revoke --db DB ID`

func runToken(ctx context.Context, env *Env, args []string) int {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintf(env.Stderr, "Usage: vigil %s\n", tokenSynopsis)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
			return ExitOK
		}
		return ExitUsage
	}
	sub, args := args[0], args[1:]
	fs := newFlags(env, "token "+sub, tokenSynopsis)
	load := settingFlags(env, fs, "db")
	name := fs.String("name", "", "a name saying who or what holds the token (create)")
	role := fs.String("role", "", "admin, analyst, engineer or auditor (create)")
	if code, done := parseFlags(fs, args); done {
		return code
	}
	cfg, err := load()
	if err != nil {
		fmt.Fprintf(env.Stderr, "vigil token: %v\n", err)
		return ExitUsage
	}
	switch sub {
	case "create":
		if *name == "" || !core.Role(*role).Valid() {
			fmt.Fprintln(env.Stderr, "vigil token create: --name and --role (admin, analyst, engineer or auditor) are required")
			return ExitUsage
		}
	case "list":
	case "revoke":
		if fs.NArg() != 1 {
			fmt.Fprintln(env.Stderr, "vigil token revoke: give the token id (see vigil token list)")
			return ExitUsage
		}
	default:
		fmt.Fprintf(env.Stderr, "vigil token: unknown subcommand %q\nUsage: vigil %s\n", sub, tokenSynopsis)
		return ExitUsage
	}
	return withTokens(ctx, env, cfg, func(tokens *service.Tokens) error {
		switch sub {
		case "create":
			secret, t, err := tokens.Create(ctx, *name, core.Role(*role))
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stderr, "created token %d %q with role %s; it is shown once, store it now:\n", t.ID, t.Name, t.Role)
			fmt.Fprintln(env.Stdout, secret)
		case "list":
			ts, err := tokens.List(ctx)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tROLE\tCREATED\tREVOKED")
			for _, t := range ts {
				revoked := "-"
				if t.RevokedAt != nil {
					revoked = t.RevokedAt.Format("2006-01-02 15:04")
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Role, t.CreatedAt.Format("2006-01-02 15:04"), revoked)
			}
			return tw.Flush()
		case "revoke":
			id, err := core.ParseID(fs.Arg(0))
			if err != nil {
				return core.Invalid("id", "%v", err)
			}
			if err := tokens.Revoke(ctx, core.TokenID(id)); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "revoked token %d\n", id)
		}
		return nil
	}, "token "+sub)
}

func withTokens(ctx context.Context, env *Env, cfg config.Config, fn func(*service.Tokens) error, cmd string) int {
	st, err := app.OpenStore(ctx, cfg.DB, app.SchemaCheck)
	if err != nil {
		return fail(env, cmd, err)
	}
	defer st.Close()
	if err := fn(service.NewTokens(st, core.SystemClock{})); err != nil {
		return fail(env, cmd, err)
	}
	return ExitOK
}
