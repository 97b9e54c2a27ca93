package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
)

// The admin commands' shared flag handling: the one partial-update helper (a flag
// left out leaves its field unchanged) and the one reader of secrets given by
// environment variable or file.

// setGiven is the partial update of a command: for each flag given on the command
// line (fs.Visit) whose name is in targets, the target (a **string, **int or
// **bool, a field of the update) is pointed at the flag's value; the targets of
// flags left out stay nil (unchanged).
func setGiven(fs *flag.FlagSet, targets map[string]any) {
	fs.Visit(func(f *flag.Flag) {
		switch dst := targets[f.Name].(type) {
		case **string:
			v := f.Value.String()
			*dst = &v
		case **int:
			v := f.Value.(flag.Getter).Get().(int)
			*dst = &v
		case **bool:
			v := f.Value.(flag.Getter).Get().(bool)
			*dst = &v
		}
	})
}

// given reports whether the flag name was given on the command line.
func given(fs *flag.FlagSet, name string) bool {
	found := false
	fs.Visit(func(f *flag.Flag) { found = found || f.Name == name })
	return found
}

// secretFlag reads a secret from the environment variable envName or the first line
// of file (flagName-env, flagName-file: one of them), never from the command line
// (it would show in ps and shell history); emptyFile says a file without one
// (%s: its name). Neither given: "".
func secretFlag(flagName, envName, file, emptyFile string) (string, error) {
	switch {
	case envName != "" && file != "":
		return "", fmt.Errorf("give %s-env or %s-file, not both", flagName, flagName)
	case envName != "":
		v := strings.TrimSpace(os.Getenv(envName))
		if v == "" {
			return "", fmt.Errorf("the environment variable %s is empty", envName)
		}
		return v, nil
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", err
		}
		line, _, _ := strings.Cut(string(b), "\n")
		if v := strings.TrimSpace(line); v != "" {
			return v, nil
		}
		return "", fmt.Errorf(emptyFile, file)
	}
	return "", nil
}

// printList prints items (as JSON with --json, else a table of header and a row
// per item).
func printList[T any](e *adminEnv, items []T, header []string, row func(T) []string) error {
	rows := [][]string{}
	for _, v := range items {
		rows = append(rows, row(v))
	}
	return e.print(items, header, rows)
}

// printListed prints the items a list call returned (as printList), or answers
// err when the call failed.
func printListed[T any](e *adminEnv, items []T, err error, header []string, row func(T) []string) error {
	if err != nil {
		return err
	}
	return printList(e, items, header, row)
}

// registerVendorDelete adds GROUP delete (--vendor, --id): del (the manage call, of
// the command's environment) deletes the record, and the command says what it
// deleted.
func registerVendorDelete(group, help, vendorUsage, idUsage, what string, del func(e *adminEnv) func(ctx context.Context, vendorID, id string) error) {
	registerAdmin(group, "delete", help, func(fs *flag.FlagSet) func(*adminEnv) error {
		vendor := fs.String("vendor", "", vendorUsage)
		id := fs.String("id", "", idUsage)
		return func(e *adminEnv) error {
			if err := del(e)(e.ctx, *vendor, *id); err != nil {
				return err
			}
			return deleted(e, what, *id)
		}
	})
}

// printOne prints the record a command made or changed (as JSON with --json, else
// a table of header and its one row), or answers err when the call failed.
func printOne[T any](e *adminEnv, v *T, err error, header []string, row func(*T) []string) error {
	if err != nil {
		return err
	}
	return e.print(v, header, [][]string{row(v)})
}

// requireFlags answers a usage error naming the first of the flags (name, value)
// that is missing.
func requireFlags(flags ...[2]string) error {
	for _, f := range flags {
		if err := requireFlag(f[0], f[1]); err != nil {
			return err
		}
	}
	return nil
}

// createForVendor is the body of a create command whose --vendor is required:
// create stores v, and v prints as one row.
func createForVendor[T any](e *adminEnv, vendorID string, v *T, create func(context.Context, *T) error, header []string, row func(*T) []string) error {
	if err := requireFlag("vendor", vendorID); err != nil {
		return err
	}
	return printOne(e, v, create(e.ctx, v), header, row)
}

// registerRename adds GROUP update (--vendor, --id, --name, all required): rename
// (the manage call, of the command's environment) renames the record, which prints
// as one row.
func registerRename[T any](group, help, idUsage, nameUsage string, header []string, row func(*T) []string, rename func(e *adminEnv) func(ctx context.Context, vendorID, id string, name *string) (*T, error)) {
	registerAdmin(group, "update", help, func(fs *flag.FlagSet) func(*adminEnv) error {
		vendor := fs.String("vendor", "", "vendor id (required)")
		id := fs.String("id", "", idUsage)
		name := fs.String("name", "", nameUsage)
		return func(e *adminEnv) error {
			if err := requireFlags([2]string{"vendor", *vendor}, [2]string{"id", *id}, [2]string{"name", *name}); err != nil {
				return err
			}
			v, err := rename(e)(e.ctx, *vendor, *id, name)
			return printOne(e, v, err, header, row)
		}
	})
}
