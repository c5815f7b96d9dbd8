package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"zerodesk/internal/accounts"
	"zerodesk/internal/audit"
	"zerodesk/internal/errs"
	"zerodesk/locales"
)

// zerodesk admin list|disable|enable|role: staff for scripts (issue 14),
// through the same domain functions as the admins' staff page
// (accounts.StaffAdmin, as the operator: actor 0 in the audit log), with the
// same rule that no change leaves zero enabled administrators.

const adminUsage = `usage: zerodesk admin create --role admin|agent|editor|manager --name NAME --email ADDRESS
       zerodesk admin list
       zerodesk admin disable --id ACCOUNT
       zerodesk admin enable --id ACCOUNT
       zerodesk admin role --id ACCOUNT --role agent|editor|admin`

// staffChange are the flags of disable, enable and role.
type staffChange struct {
	id   int64
	role string
}

func (s *staffChange) register(withRole bool) func(*flag.FlagSet) {
	return func(fs *flag.FlagSet) {
		fs.Int64Var(&s.id, "id", 0, "the staff account's number (zerodesk admin list)")
		if withRole {
			fs.StringVar(&s.role, "role", "", "agent, editor or admin")
		}
	}
}

// adminCommand runs zerodesk admin VERB.
func adminCommand(ctx context.Context, args []string, stderr, out io.Writer) error {
	if len(args) == 0 {
		return errors.New(adminUsage)
	}
	verb := args[0]
	var change staffChange
	var extra func(*flag.FlagSet)
	switch verb {
	case "create":
		var staff staffFlags
		cfg, err := parseFlags("admin create", args[1:], stderr, staff.register)
		if err != nil {
			return err
		}
		return createStaff(ctx, cfg, staff, out)
	case "list":
	case "disable", "enable":
		extra = change.register(false)
	case "role":
		extra = change.register(true)
	default:
		return errors.New(adminUsage)
	}
	cfg, err := parseFlags("admin "+verb, args[1:], stderr, extra)
	if err != nil {
		return err
	}
	if verb != "list" && change.id <= 0 {
		return errors.New("--id must be a staff account's number (zerodesk admin list)")
	}
	return withStaffAdmin(ctx, cfg, func(m accounts.StaffAdmin) error {
		var err error
		switch verb {
		case "list":
			return listStaff(ctx, m, out)
		case "disable", "enable":
			err = m.SetEnabled(ctx, change.id, verb == "enable")
		case "role":
			err = m.SetRole(ctx, change.id, accounts.Role(change.role))
		}
		if err != nil {
			return fmt.Errorf("admin %s: %s", verb, errs.MessageIDOf(err))
		}
		fmt.Fprintf(out, "account %d: done (%s); its sessions ended.\n", change.id, verb)
		return nil
	})
}

// withStaffAdmin opens the database and runs fn as the operator.
func withStaffAdmin(ctx context.Context, cfg config, fn func(accounts.StaffAdmin) error) error {
	log := newLogger(cfg, io.Discard)
	secret, err := loadSecret(cfg)
	if err != nil {
		return err
	}
	db, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()
	outbox, err := newOutbox(db, cfg, secret, log)
	if err != nil {
		return err
	}
	cat, err := locales.Load()
	if err != nil {
		return err
	}
	rec, err := audit.New(ctx, db, audit.Options{Log: log})
	if err != nil {
		return err
	}
	defer rec.Close()
	svc, err := accounts.New(db, accounts.Options{Secret: secret, Outbox: outbox, Log: log, Texts: cat, Audit: rec})
	if err != nil {
		return err
	}
	return fn(svc.AsOperator())
}

// listStaff prints every staff account: number, role, state, second factor,
// last sign-in (UTC). No names or addresses: the number is what the other
// verbs take.
func listStaff(ctx context.Context, m accounts.StaffAdmin, out io.Writer) error {
	list, err := m.List(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tROLE\tSTATE\tSECOND FACTOR\tLAST SIGN-IN (UTC)")
	state := map[accounts.State]string{accounts.Pending: "invited", accounts.Active: "enabled", accounts.Suspended: "disabled"}
	for _, s := range list {
		seen := "never"
		if !s.LastSignIn.IsZero() {
			seen = s.LastSignIn.UTC().Format(time.DateTime)
		}
		totp := "off"
		if s.SecondFactor {
			totp = "on"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", strconv.FormatInt(s.ID, 10), s.Role, state[s.State], totp, seen)
	}
	return tw.Flush()
}
