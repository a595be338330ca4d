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
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/boring"
	"github.com/aiagent-me/boring-operator/internal/boring/wire"
	"github.com/aiagent-me/boring-operator/internal/mapping"
)

// byPlatform maps SocialAccounts by the platform's own account ID.
const byPlatform = "platform"

type importOptions struct {
	*Options
	credentials    string
	credentialsKey string
	by             string
	all            bool
}

func (o *Options) importCommand() *cobra.Command {
	im := &importOptions{Options: o}
	cmd := &cobra.Command{
		Use:   "import --credentials NAMESPACE/SECRET [-n NAMESPACE] [--by platform|account-id] [--all]",
		Short: "Print SocialAccount manifests for the accounts connected in Boring",
		Long: `Print a List of SocialAccounts, ready to commit, for the accounts connected in
Boring under a session: one per account, named after its platform and name
(valid and unique in the namespace), mapped by the platform's own ID so that
reconnects are followed, with credentialsRef set to the Secret.

The session is read from the Secret with your own rights. Accounts some
SocialAccount in the cluster already maps are left out unless --all. The output
is sorted, so running it again diffs cleanly in Git.`,
		Example: `  # What is connected under the marketing team's session and not yet mapped
  kubectl boring import --credentials marketing/boring-session -n marketing > accounts.yaml

  # Every account, mapped by Boring's account_id instead
  kubectl boring import --credentials marketing/boring-session -n marketing --all --by account-id`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return im.run(cmd.Context()) },
	}
	cmd.Flags().StringVar(&im.credentials, "credentials", "", "The Secret holding the Boring session, as NAMESPACE/NAME (required)")
	cmd.Flags().StringVar(&im.credentialsKey, "credentials-key", "session", "The Secret's key holding the session cookie")
	cmd.Flags().StringVar(&im.by, "by", byPlatform, "Map by the platform's own ID (platform: follows reconnects) or by Boring's account_id (account-id)")
	cmd.Flags().BoolVar(&im.all, "all", false, "Include accounts some SocialAccount already maps")
	addBoringURLFlag(cmd, o)
	_ = cmd.MarkFlagRequired("credentials")
	return cmd
}

func (o *importOptions) run(ctx context.Context) error {
	if o.by != byPlatform && o.by != "account-id" {
		return fmt.Errorf("--by %q: want platform or account-id", o.by)
	}
	ns, err := o.Namespace()
	if err != nil {
		return err
	}
	creds, err := credentialsKey(o.credentials, ns)
	if err != nil {
		return err
	}
	if creds.Namespace != ns {
		return fmt.Errorf("the SocialAccounts would live in namespace %q but secret %s is in %q: "+
			"a SocialAccount's credentialsRef names a Secret in its own namespace (import with -n %s, or copy the Secret)",
			ns, creds, creds.Namespace, creds.Namespace)
	}
	c, err := o.Client()
	if err != nil {
		return err
	}
	snap, err := o.listBoring(ctx, c, creds, o.credentialsKey)
	if err != nil {
		return err
	}
	existing, err := visibleSocialAccounts(ctx, c, ns)
	if err != nil {
		return err
	}
	mapped := map[string]bool{}
	taken := map[string]bool{}
	for i := range existing {
		sa := &existing[i]
		if acct := mapping.Resolve(snap, sa).Account; acct != nil {
			mapped[acct.AccountID] = true
		}
		if sa.Namespace == ns {
			taken[sa.Name] = true
		}
	}
	accounts := sortedAccounts(snap)
	var items []importItem
	skipped := 0
	for _, a := range accounts {
		if mapped[a.AccountID] && !o.all {
			skipped++
			continue
		}
		if !importable(a, o.by) {
			_, _ = fmt.Fprintf(o.ErrOut, "Warning: left out account_id %s (%s): Boring's ID is not one a SocialAccount accepts\n",
				inert(a.AccountID), inert(string(a.Platform)))
			continue
		}
		items = append(items, importItem{account: a, name: uniqueName(a, taken)})
	}
	return writeImport(o.Out, importHeader{credentials: creds, total: len(accounts), skipped: skipped}, items, ns, o.by, creds.Name, o.credentialsKey)
}

// listBoring lists the accounts under the session held by a Secret.
func (o *Options) listBoring(ctx context.Context, c client.Reader, creds types.NamespacedName, key string) (*boring.Snapshot, error) {
	session, err := readSession(ctx, c, creds, key)
	if err != nil {
		return nil, err
	}
	bc, err := o.boringClient()
	if err != nil {
		return nil, err
	}
	list, err := bc.ListAccounts(ctx, session)
	switch {
	case errors.Is(err, boring.ErrUnauthorized):
		return nil, fmt.Errorf("boring rejected the session in secret %s (expired or logged out): store a fresh session cookie", creds)
	case err != nil:
		return nil, fmt.Errorf("listing the accounts in Boring (%s) with secret %s: %w", o.BoringURL, creds, err)
	}
	return boring.NewSnapshot(list, o.Now()), nil
}

// visibleSocialAccounts lists the SocialAccounts of every namespace, or of
// ns alone when the user may not list them cluster-wide.
func visibleSocialAccounts(ctx context.Context, c client.Reader, ns string) ([]boringv1alpha1.SocialAccount, error) {
	var list boringv1alpha1.SocialAccountList
	err := c.List(ctx, &list)
	if apierrors.IsForbidden(err) {
		err = c.List(ctx, &list, client.InNamespace(ns))
		if err != nil {
			return nil, listError(err, "socialaccount", ns)
		}
		return list.Items, nil
	}
	if err != nil {
		return nil, listError(err, "socialaccount", "")
	}
	return list.Items, nil
}

// sortedAccounts orders a list by platform, name, platform ID and account ID.
func sortedAccounts(snap *boring.Snapshot) []*wire.Account {
	out := make([]*wire.Account, 0, len(snap.Accounts))
	for _, a := range snap.Accounts {
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b *wire.Account) int {
		return cmp.Or(cmp.Compare(a.Platform, b.Platform), cmp.Compare(a.Name(), b.Name()),
			cmp.Compare(a.PlatformAccountID(), b.PlatformAccountID()), cmp.Compare(a.AccountID, b.AccountID))
	})
	return out
}

var notDNS = regexp.MustCompile(`[^a-z0-9]+`)

// slug turns a name into a DNS-1123 label fragment.
func slug(s string) string {
	return strings.Trim(notDNS.ReplaceAllString(strings.ToLower(s), "-"), "-")
}

// uniqueName names a SocialAccount for an account: platform-name, valid as
// a DNS-1123 label, and not in taken (which it joins).
func uniqueName(a *wire.Account, taken map[string]bool) string {
	platform := string(mapping.Platform(a.Platform))
	base := slug(platform + "-" + a.Name())
	if base == slug(platform) {
		base = slug(platform + "-" + cmp.Or(a.PlatformAccountID(), a.AccountID))
	}
	fit := func(s, suffix string) string {
		if len(s)+len(suffix) > 63 {
			s = strings.TrimRight(s[:63-len(suffix)], "-")
		}
		return s + suffix
	}
	name := fit(base, "")
	id := slug(cmp.Or(a.PlatformAccountID(), a.AccountID))
	if len(id) > 8 {
		id = id[len(id)-8:]
	}
	for i := 1; taken[name]; i++ {
		suffix := "-" + id
		if i > 1 {
			suffix = fmt.Sprintf("-%s-%d", id, i)
		}
		name = fit(base, suffix)
	}
	taken[name] = true
	return name
}

type importItem struct {
	account *wire.Account
	name    string
}

type importHeader struct {
	credentials    types.NamespacedName
	total, skipped int
}

// validID is the pattern the CRD sets on spec.accountID and
// spec.platformAccountID.
var validID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]*$`)

// importable reports whether the account can be written as a SocialAccount
// the API server accepts, mapped by (platform or account-id). The IDs go into
// the manifest itself, so an ID with a line break or a control character is
// left out rather than written.
func importable(a *wire.Account, by string) bool {
	switch a.Platform {
	case wire.PlatformFacebook, wire.PlatformInstagram, wire.PlatformThreads:
	default:
		return false
	}
	id := a.AccountID
	if by == byPlatform && a.PlatformAccountID() != "" {
		id = a.PlatformAccountID()
	}
	return len(id) <= 128 && validID.MatchString(id)
}

// inert returns s as it is when it holds only characters that cannot end or
// garble a comment line (letters, digits, spaces and ordinary punctuation),
// else double-quoted with every line break and control character escaped.
func inert(s string) string {
	for _, r := range s {
		if r == '"' || r == '\\' || r > unicode.MaxASCII || !unicode.IsPrint(r) {
			return strconv.Quote(s)
		}
	}
	return s
}

// writeImport prints the List: a comment per object with the account's name.
func writeImport(w io.Writer, h importHeader, items []importItem, ns, by, secret, key string) error {
	var b strings.Builder
	_, _ = fmt.Fprintf(&b, "# SocialAccounts for the accounts connected in Boring under secret %s:\n", h.credentials)
	_, _ = fmt.Fprintf(&b, "# %d of %d accounts", len(items), h.total)
	if h.skipped > 0 {
		_, _ = fmt.Fprintf(&b, " (%d already mapped in the cluster; --all includes them)", h.skipped)
	}
	b.WriteString(".\napiVersion: v1\nkind: List\n")
	if len(items) == 0 {
		b.WriteString("items: []\n")
	} else {
		b.WriteString("items:\n")
	}
	for _, it := range items {
		a := it.account
		spec := map[string]any{"platform": mapping.Platform(a.Platform)}
		if by == byPlatform && a.PlatformAccountID() != "" {
			spec["platformAccountID"] = a.PlatformAccountID()
		} else {
			spec["accountID"] = a.AccountID
		}
		ref := map[string]any{"name": secret}
		if key != "session" {
			ref["key"] = key
		}
		spec["credentialsRef"] = ref
		obj := map[string]any{
			"apiVersion": boringv1alpha1.GroupVersion.String(),
			"kind":       "SocialAccount",
			"metadata":   map[string]any{"name": it.name, "namespace": ns},
			"spec":       spec,
		}
		out, err := yaml.Marshal(obj)
		if err != nil {
			return err
		}
		// Boring's strings are data: in the comment each is one quoted
		// line, so a newline, "#", ":" or "---" in a page name cannot start
		// a line of YAML; in the object the YAML encoder quotes them.
		_, _ = fmt.Fprintf(&b, "# %s (%s, account_id %s)\n", inert(cmp.Or(a.Name(), "(no name)")), inert(string(mapping.Platform(a.Platform))), inert(a.AccountID))
		for i, line := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
			if i == 0 {
				b.WriteString("- " + line + "\n")
			} else {
				b.WriteString("  " + line + "\n")
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
