package main

import (
	"flag"
	"strconv"

	"orderhub"
)

// Quotas in the CLI: `serve -quota NAME=N` (server-wide defaults) and
// `orderhub admin quotas show|set` (per-vendor overrides). docs/quotas.md.

// quotaFlag declares -quota NAME=N (repeatable) on fs.
func quotaFlag(fs *flag.FlagSet) map[string]int {
	m := map[string]int{}
	fs.Func("quota", "server-wide default of a quota, NAME=N (repeatable; docs/quotas.md lists the names)", func(s string) error {
		name, n, _, err := orderhub.ParseQuotaSetting(s, false)
		if err != nil {
			return err
		}
		m[name] = n
		return nil
	})
	return m
}

var quotaHeader = []string{"QUOTA", "LIMIT", "DEFAULT", "OVERRIDE", "USED"}

func printQuotas(e *adminEnv, q *orderhub.VendorQuotas) error {
	rows := make([][]string, len(q.Quotas))
	for i, x := range q.Quotas {
		over := "-"
		if x.Override != nil {
			over = strconv.Itoa(*x.Override)
		}
		used := strconv.Itoa(x.Used)
		if x.PerUser {
			used += " (busiest user)"
		}
		rows[i] = []string{x.Name, strconv.Itoa(x.Limit), strconv.Itoa(x.Default), over, used}
	}
	return e.print(q, quotaHeader, rows)
}

// adminQuotaCommands registers its admin commands (called once, from adminCommands).
func adminQuotaCommands() {
	registerAdmin("quotas", "show", "show a vendor's quotas: limit, default, override, usage (--vendor)", func(fs *flag.FlagSet) func(*adminEnv) error {
		vendor := fs.String("vendor", "", "vendor id (required)")
		return func(e *adminEnv) error {
			if *vendor == "" {
				return orderhub.Errorf(orderhub.EInvalidRequest, "--vendor is required")
			}
			q, err := e.db.Tenants().GetVendorQuotas(e.ctx, *vendor)
			if err != nil {
				return err
			}
			return printQuotas(e, q)
		}
	})
	registerAdmin("quotas", "set", "set or reset a vendor's quota overrides (--vendor, --limit NAME=N|NAME=default, repeatable)", func(fs *flag.FlagSet) func(*adminEnv) error {
		vendor := fs.String("vendor", "", "vendor id (required)")
		set := map[string]*int{}
		fs.Func("limit", "NAME=N overrides a quota for the vendor, NAME=default removes the override (repeatable)", func(s string) error {
			name, n, reset, err := orderhub.ParseQuotaSetting(s, true)
			if err != nil {
				return err
			}
			if reset {
				set[name] = nil
			} else {
				set[name] = &n
			}
			return nil
		})
		return func(e *adminEnv) error {
			if *vendor == "" {
				return orderhub.Errorf(orderhub.EInvalidRequest, "--vendor is required")
			}
			if len(set) == 0 {
				return orderhub.Errorf(orderhub.EInvalidRequest, "give at least one --limit NAME=N (or NAME=default)")
			}
			q, err := e.manage().Vendors().SetVendorQuotas(e.ctx, *vendor, set)
			if err != nil {
				return err
			}
			return printQuotas(e, q)
		}
	})
}
