/*
Copyright 2026 The boring-operator Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package cli

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/boring"
	"github.com/aiagent-me/boring-operator/internal/boring/wire"
	"github.com/aiagent-me/boring-operator/internal/mapping"
)

// The problems audit reports.
const (
	ProblemUnmapped     = "Unmapped"
	ProblemGone         = "Gone"
	ProblemTokenInvalid = "TokenInvalid"
	ProblemTokenExpired = "TokenExpired"
	ProblemExpiring     = "Expiring"
	ProblemMappedTwice  = "MappedTwice"
)

// AuditRow is one Boring account, or one SocialAccount whose account is not
// among the Boring accounts that could be listed.
type AuditRow struct {
	// SocialAccounts map the account (namespace/name).
	SocialAccounts []string `json:"socialAccounts"`
	// Credentials is the Secret the account is listed under (namespace/name).
	Credentials string `json:"credentials,omitempty"`
	Platform    string `json:"platform,omitempty"`
	Account     string `json:"account,omitempty"`
	AccountID   string `json:"accountID,omitempty"`
	// ExpiresAt is when the token (or Facebook's data access) expires.
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
	DaysLeft  *int       `json:"daysLeft,omitempty"`
	// Source says where the row's facts come from: boring (listed with the
	// credentials) or status (the SocialAccount's status: the credentials
	// could not be read).
	Source   string   `json:"source"`
	Problems []string `json:"problems"`
}

type auditOptions struct {
	*Options
	credentials        string
	credentialsKey     string
	defaultCredentials string
	// defaultCredentialsNamespaces mirrors the manager's flag.
	defaultCredentialsNamespaces []string
	allNamespaces                bool
	output                       string
}

func (o *Options) auditCommand() *cobra.Command {
	ao := &auditOptions{Options: o}
	cmd := &cobra.Command{
		Use:   "audit [--credentials NAMESPACE/SECRET] [-A] [-o table|json]",
		Short: "List every Boring account and SocialAccount that needs attention; exit 1 if any does, 2 on errors",
		Long: `Audit the mappings between SocialAccounts and the accounts connected in Boring.

One row per Boring account and per SocialAccount whose account Boring does not
list. Problems:
  Unmapped       connected in Boring, mapped by no SocialAccount
  Gone           a SocialAccount maps an account Boring no longer lists
  TokenInvalid   Boring says the token is invalid
  TokenExpired   the token's expiry has passed
  Expiring       the token (or Facebook's data access) expires within the
                 SocialAccount's spec.expiryWarningDays (7 for unmapped accounts)
  MappedTwice    several SocialAccounts map the same account

Without --credentials, every credentials Secret the SocialAccounts in scope use
is read with your rights (--default-credentials for those without
credentialsRef). Where a Secret cannot be read, the SocialAccounts' own status
is used. The exit status is 0 when nothing needs attention, 1 when anything
does, and 2 when the audit could not run (a bad flag, the SocialAccounts could
not be listed), so audit can run in a CronJob or CI. A credentials Secret that
cannot be read or a Boring that does not answer is not an error: those rows
come from status, with a warning.`,
		Example: `  # The SocialAccounts of every namespace and the accounts behind them
  kubectl boring audit -A --default-credentials boring-system/boring-session

  # One session's accounts, as JSON
  kubectl boring audit --credentials marketing/boring-session -n marketing -o json`,
		Args:        cobra.NoArgs,
		RunE:        func(cmd *cobra.Command, _ []string) error { return ao.run(cmd.Context()) },
		Annotations: map[string]string{errorExitCodeAnnotation: "2"},
	}
	cmd.Flags().StringVar(&ao.credentials, "credentials", "", "Audit the accounts under this Secret (NAMESPACE/NAME) only")
	cmd.Flags().StringVar(&ao.credentialsKey, "credentials-key", "session", "The key holding the session in --credentials and --default-credentials")
	cmd.Flags().StringSliceVar(&ao.defaultCredentialsNamespaces, "default-credentials-namespaces", nil,
		"The manager's --default-credentials-namespaces: namespaces besides the default credentials' own whose SocialAccounts use them (* for all)")
	cmd.Flags().StringVar(&ao.defaultCredentials, "default-credentials", "",
		"The manager's --default-credentials (NAMESPACE/NAME), for SocialAccounts without credentialsRef")
	cmd.Flags().BoolVarP(&ao.allNamespaces, "all-namespaces", "A", false, "Audit the SocialAccounts of every namespace")
	cmd.Flags().StringVarP(&ao.output, "output", "o", "table", "Output format: table or json")
	addBoringURLFlag(cmd, o)
	return cmd
}

// credentialGroup is the SocialAccounts that use one credentials Secret.
type credentialGroup struct {
	key      types.NamespacedName
	dataKey  string
	accounts []*boringv1alpha1.SocialAccount
}

func (o *auditOptions) run(ctx context.Context) error {
	if o.output != "table" && o.output != "json" {
		return fmt.Errorf("--output %q: want table or json", o.output)
	}
	ns, err := o.Namespace()
	if err != nil {
		return err
	}
	scope := ns
	if o.allNamespaces {
		scope = ""
	}
	c, err := o.Client()
	if err != nil {
		return err
	}
	var list boringv1alpha1.SocialAccountList
	if err := c.List(ctx, &list, client.InNamespace(scope)); err != nil {
		return listError(err, "socialaccount", scope)
	}
	defaults := mapping.Defaults{Namespaces: o.defaultCredentialsNamespaces}
	if o.defaultCredentials != "" {
		if defaults.Secret, err = credentialsKey(o.defaultCredentials, ns); err != nil {
			return err
		}
	}
	groups, unknown := groupByCredentials(list.Items, defaults, o.credentialsKey)
	if o.credentials != "" {
		k, err := credentialsKey(o.credentials, ns)
		if err != nil {
			return err
		}
		g := groups[k]
		if g == nil {
			g = &credentialGroup{key: k, dataKey: o.credentialsKey}
		}
		groups, unknown = map[types.NamespacedName]*credentialGroup{k: g}, nil
	}
	now := o.Now()
	var rows []AuditRow
	for _, k := range sortedKeys(groups) {
		g := groups[k]
		snap, err := o.listBoring(ctx, c, g.key, g.dataKey)
		if err != nil {
			_, _ = fmt.Fprintf(o.ErrOut, "warning: %v; using the status of its %d SocialAccounts\n", err, len(g.accounts))
			rows = append(rows, statusRows(g.accounts, g.key.String(), now)...)
			continue
		}
		rows = append(rows, boringRows(snap, g, now)...)
	}
	rows = append(rows, statusRows(unknown, "", now)...)
	markMappedTwice(rows)
	slices.SortStableFunc(rows, func(a, b AuditRow) int {
		return cmp.Or(cmp.Compare(a.Credentials, b.Credentials), cmp.Compare(a.Platform, b.Platform),
			cmp.Compare(a.Account, b.Account), cmp.Compare(a.AccountID, b.AccountID),
			cmp.Compare(strings.Join(a.SocialAccounts, ","), strings.Join(b.SocialAccounts, ",")))
	})
	attention := 0
	for i := range rows {
		if len(rows[i].Problems) > 0 {
			attention++
		}
	}
	if o.output == "json" {
		enc := json.NewEncoder(o.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(struct {
			Rows           []AuditRow `json:"rows"`
			NeedsAttention int        `json:"needsAttention"`
		}{Rows: rows, NeedsAttention: attention}); err != nil {
			return err
		}
	} else if err := writeAuditTable(o.Out, rows, attention); err != nil {
		return err
	}
	if attention > 0 {
		return ErrNeedsAttention
	}
	return nil
}

// groupByCredentials sorts SocialAccounts by the Secret they sync with, as
// the operator chooses it (mapping.Defaults.CredentialsOf); those without
// usable credentials are returned apart. defaultKey is the key read from the
// default credentials.
func groupByCredentials(items []boringv1alpha1.SocialAccount, defaults mapping.Defaults, defaultKey string) (
	map[types.NamespacedName]*credentialGroup, []*boringv1alpha1.SocialAccount) {
	groups := map[types.NamespacedName]*credentialGroup{}
	var unknown []*boringv1alpha1.SocialAccount
	for i := range items {
		sa := &items[i]
		creds, err := defaults.CredentialsOf(sa)
		if err != nil {
			unknown = append(unknown, sa)
			continue
		}
		if sa.Spec.CredentialsRef == nil {
			creds.Key = defaultKey
		}
		if groups[creds.Secret] == nil {
			groups[creds.Secret] = &credentialGroup{key: creds.Secret, dataKey: creds.Key}
		}
		groups[creds.Secret].accounts = append(groups[creds.Secret].accounts, sa)
	}
	return groups, unknown
}

func sortedKeys(groups map[types.NamespacedName]*credentialGroup) []types.NamespacedName {
	keys := make([]types.NamespacedName, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b types.NamespacedName) int { return cmp.Compare(a.String(), b.String()) })
	return keys
}

// boringRows audits the accounts listed under one Secret against the
// SocialAccounts that use it.
func boringRows(snap *boring.Snapshot, g *credentialGroup, now time.Time) []AuditRow {
	mappers := map[string][]*boringv1alpha1.SocialAccount{}
	var rows []AuditRow
	for _, sa := range g.accounts {
		acct := mapping.Resolve(snap, sa).Account
		if acct == nil {
			row := statusRow(sa, g.key.String(), now)
			row.Source = "boring"
			row.Problems = appendProblem(row.Problems, ProblemGone)
			rows = append(rows, row)
			continue
		}
		mappers[acct.AccountID] = append(mappers[acct.AccountID], sa)
	}
	for _, a := range sortedAccounts(snap) {
		row := AuditRow{SocialAccounts: []string{}, Credentials: g.key.String(), Platform: string(mapping.Platform(a.Platform)),
			Account: a.Name(), AccountID: a.AccountID, Source: "boring", Problems: []string{}}
		window := time.Duration(boringv1alpha1.DefaultExpiryWarningDays) * 24 * time.Hour
		for i, sa := range mappers[a.AccountID] {
			row.SocialAccounts = append(row.SocialAccounts, sa.Namespace+"/"+sa.Name)
			w := time.Duration(sa.EffectiveExpiryWarningDays()) * 24 * time.Hour
			if i == 0 || w > window {
				window = w
			}
		}
		if len(row.SocialAccounts) == 0 {
			row.Problems = appendProblem(row.Problems, ProblemUnmapped)
		}
		expires := soonest(a.ExpiresAt, a.DataAccessExpiresAt)
		row.ExpiresAt, row.DaysLeft = expires, daysLeft(expires, now)
		switch {
		case expires != nil && !expires.After(now):
			row.Problems = appendProblem(row.Problems, ProblemTokenExpired)
		case !a.IsValid:
			row.Problems = appendProblem(row.Problems, ProblemTokenInvalid)
		case expires != nil && expires.Sub(now) < window:
			row.Problems = appendProblem(row.Problems, ProblemExpiring)
		}
		rows = append(rows, row)
	}
	return rows
}

// statusRows audits SocialAccounts from their status alone.
func statusRows(accounts []*boringv1alpha1.SocialAccount, credentials string, now time.Time) []AuditRow {
	rows := make([]AuditRow, 0, len(accounts))
	for _, sa := range accounts {
		rows = append(rows, statusRow(sa, credentials, now))
	}
	return rows
}

func statusRow(sa *boringv1alpha1.SocialAccount, credentials string, now time.Time) AuditRow {
	st := &sa.Status
	row := AuditRow{SocialAccounts: []string{sa.Namespace + "/" + sa.Name}, Credentials: credentials,
		Platform: string(cmp.Or(st.Platform, sa.Spec.Platform)), Account: st.AccountName,
		AccountID: sa.ResolvedAccountID(), Source: "status", Problems: []string{}}
	var expires, dataAccess *time.Time
	if st.ExpiresAt != nil {
		expires = &st.ExpiresAt.Time
	}
	if st.DataAccessExpiresAt != nil {
		dataAccess = &st.DataAccessExpiresAt.Time
	}
	row.ExpiresAt = soonest(expires, dataAccess)
	row.DaysLeft = daysLeft(row.ExpiresAt, now)
	ready := meta.FindStatusCondition(st.Conditions, boringv1alpha1.ConditionReady)
	reason := ""
	if ready != nil && ready.Status != "True" {
		reason = ready.Reason
	}
	window := time.Duration(sa.EffectiveExpiryWarningDays()) * 24 * time.Hour
	switch {
	case reason == boringv1alpha1.ReasonAccountNotFound || reason == boringv1alpha1.ReasonAccountReconnected:
		row.Problems = appendProblem(row.Problems, ProblemGone)
	case reason == boringv1alpha1.ReasonTokenExpired || (row.ExpiresAt != nil && !row.ExpiresAt.After(now)):
		row.Problems = appendProblem(row.Problems, ProblemTokenExpired)
	case reason == boringv1alpha1.ReasonTokenInvalid || reason == boringv1alpha1.ReasonAccountDisabled || (st.IsValid != nil && !*st.IsValid):
		row.Problems = appendProblem(row.Problems, ProblemTokenInvalid)
	case row.ExpiresAt != nil && row.ExpiresAt.Sub(now) < window:
		row.Problems = appendProblem(row.Problems, ProblemExpiring)
	}
	return row
}

// markMappedTwice flags accounts several SocialAccounts map.
func markMappedTwice(rows []AuditRow) {
	byAccount := map[string][]int{}
	for i, r := range rows {
		if r.AccountID == "" {
			continue
		}
		byAccount[r.AccountID] = append(byAccount[r.AccountID], i)
	}
	for i := range rows {
		n := len(rows[i].SocialAccounts)
		if ids := byAccount[rows[i].AccountID]; rows[i].AccountID != "" && len(ids) > 1 {
			n = 0
			for _, j := range ids {
				n += len(rows[j].SocialAccounts)
			}
		}
		if n > 1 {
			rows[i].Problems = appendProblem(rows[i].Problems, ProblemMappedTwice)
		}
	}
}

func appendProblem(problems []string, p string) []string {
	if slices.Contains(problems, p) {
		return problems
	}
	return append(problems, p)
}

func soonest(a, b *time.Time) *time.Time {
	switch {
	case a == nil:
		return b
	case b == nil || a.Before(*b):
		return a
	}
	return b
}

func daysLeft(t *time.Time, now time.Time) *int {
	if t == nil {
		return nil
	}
	d := wire.DaysUntil(now, *t)
	return &d
}

func writeAuditTable(w interface{ Write([]byte) (int, error) }, rows []AuditRow, attention int) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	_, _ = fmt.Fprintln(tw, "SOCIALACCOUNT\tPLATFORM\tACCOUNT\tACCOUNT ID\tDAYS LEFT\tCREDENTIALS\tSTATUS")
	for _, r := range rows {
		sas := strings.Join(r.SocialAccounts, ",")
		days := "-"
		if r.DaysLeft != nil {
			days = strconv.Itoa(*r.DaysLeft)
		}
		status := "OK"
		if len(r.Problems) > 0 {
			status = strings.Join(r.Problems, ",")
		}
		if r.Source == "status" {
			status += " (from status)"
		}
		_, _ = fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", dash(sas), dash(r.Platform), dash(r.Account), dash(r.AccountID), days, dash(r.Credentials), status)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%d of %d need attention.\n", attention, len(rows))
	return err
}

func dash(s string) string { return cmp.Or(s, "-") }
