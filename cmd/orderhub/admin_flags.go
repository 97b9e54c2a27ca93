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
