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
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/boring"
	"github.com/aiagent-me/boring-operator/internal/mapping"
)

type dashboardOptions struct {
	*Options
	allNamespaces      bool
	address            string
	port               int
	open               bool
	dashboardURL       string
	defaultCredentials string
	// defaultCredentialsNamespaces mirrors the manager's flag.
	defaultCredentialsNamespaces []string
	credentialsKey               string
	boringEvery                  time.Duration
}

func (o *Options) dashboardCommand() *cobra.Command {
	do := &dashboardOptions{Options: o}
	cmd := &cobra.Command{
		Use:   "dashboard [-n NAMESPACE | -A] [--address 127.0.0.1] [--port 0] [--open]",
		Short: "Serve a local page of the SocialAccounts, most urgent first, live",
		Long: `Serve a local web page listing the SocialAccounts, most urgent first: expired
or invalid tokens, then by days left. Each row has the account ID with a Copy
ID button, a link to reconnect the account in Boring, and Sync now. The page
follows the cluster live (server-sent events).

The page reads and writes with your own Kubernetes rights, like kubectl: what
you cannot list, it does not show. With -A and no right to list cluster-wide,
it shows the namespace of your kubeconfig and says so. Credentials health and
the accounts connected in Boring but mapped by no SocialAccount (as audit
finds them) show where you may read the credentials Secrets.

It listens on the loopback interface only, unless --address says otherwise.
Stop it with Ctrl-C.`,
		Example: `  # Every namespace you can see, opened in your browser
  kubectl boring dashboard -A --open

  # One namespace, on a fixed port
  kubectl boring dashboard -n marketing --port 8090`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return do.run(cmd.Context()) },
	}
	cmd.Flags().BoolVarP(&do.allNamespaces, "all-namespaces", "A", false, "Show the SocialAccounts of every namespace you can list")
	cmd.Flags().StringVar(&do.address, "address", "127.0.0.1", "The address to listen on (anything but loopback shows your view of the cluster to the network)")
	cmd.Flags().IntVar(&do.port, "port", 0, "The port to listen on (0: a free one)")
	cmd.Flags().BoolVar(&do.open, "open", false, "Open the page in your browser")
	cmd.Flags().StringVar(&do.dashboardURL, "dashboard-url", DefaultBoringURL, "Where accounts are reconnected in Boring (the alerts' reconnect_url)")
	cmd.Flags().StringSliceVar(&do.defaultCredentialsNamespaces, "default-credentials-namespaces", nil,
		"The manager's --default-credentials-namespaces: namespaces besides the default credentials' own whose SocialAccounts use them (* for all)")
	cmd.Flags().StringVar(&do.defaultCredentials, "default-credentials", "",
		"The manager's --default-credentials (NAMESPACE/NAME), for SocialAccounts without credentialsRef")
	cmd.Flags().StringVar(&do.credentialsKey, "credentials-key", "session", "The key holding the session in --default-credentials")
	cmd.Flags().DurationVar(&do.boringEvery, "boring-refresh", 5*time.Minute, "How often each readable credentials Secret's accounts are listed in Boring")
	addBoringURLFlag(cmd, o)
	return cmd
}

// dashboard is one running dashboard: what it shows and who watches it.
type dashboard struct {
	opts     *dashboardOptions
	client   client.Client
	now      func() time.Time
	scope    string // "" for every namespace
	note     string // said on the page (a fallback of scope)
	defaults mapping.Defaults
	csrf     string
	addr     string // host:port as bound
	port     string
	loopback bool
	// localhost: "localhost" names this server (bound to loopback or to
	// every address).
	localhost bool
	logMu     sync.Mutex

	mu       sync.Mutex
	objects  map[string]*boringv1alpha1.SocialAccount
	rows     map[string]dashboardRow
	meta     dashboardMeta
	subs     map[chan []byte]struct{}
	snaps    map[types.NamespacedName]boringListing
	kickMeta chan struct{}
}

// dashboardMeta is what the page shows besides the rows.
type dashboardMeta struct {
	Scope        string              `json:"scope"`
	Note         string              `json:"note,omitempty"`
	DashboardURL string              `json:"dashboardURL"`
	Credentials  []credentialsHealth `json:"credentials"`
	Unmapped     []unmappedRow       `json:"unmapped"`
	// UnmappedKnown: at least one credentials Secret could be read, so the
	// unmapped list means something.
	UnmappedKnown bool `json:"unmappedKnown"`
}

// dashboardState is the whole state, sent first on every event stream.
type dashboardState struct {
	Rows []dashboardRow `json:"rows"`
	Meta dashboardMeta  `json:"meta"`
	// CSRF is this process's token: a page left open across a restart of
	// the dashboard takes the new one when it reconnects. Only the page's
	// own origin can read the stream (no CORS, and the Host check).
	CSRF string `json:"csrf"`
}

// boringListing is one credentials Secret's account list, kept for
// --boring-refresh so the page's refreshes do not call Boring each time.
type boringListing struct {
	at   time.Time
	snap *boring.Snapshot
	err  error
}

func (o *dashboardOptions) run(ctx context.Context) error {
	d, err := o.newDashboard(ctx)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(o.address, strconv.Itoa(o.port)))
	if err != nil {
		return fmt.Errorf("listening on %s: %w", o.address, err)
	}
	d.addr = ln.Addr().String()
	host, port, _ := net.SplitHostPort(d.addr)
	d.port = port
	ip := net.ParseIP(host)
	d.loopback = ip != nil && ip.IsLoopback()
	d.localhost = ip != nil && (ip.IsLoopback() || ip.IsUnspecified())
	if !d.loopback {
		_, _ = fmt.Fprintf(o.ErrOut, "warning: listening on %s, not loopback: anyone who can reach it sees the cluster as you do\n", d.addr)
	}
	srv := &http.Server{
		Handler: d.handler(),
		// The page's requests are small; slow clients are cut off. No
		// WriteTimeout: the event stream stays open.
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		// Streams end with the command.
		BaseContext: func(net.Listener) context.Context { return ctx },
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	if err := d.start(ctx); err != nil {
		_ = srv.Close()
		return err
	}
	url := d.origin() + "/"
	_, _ = fmt.Fprintf(o.Out, "Dashboard of %s: %s\nPress Ctrl-C to stop.\n", d.scopeInWords(), url)
	if o.open {
		if err := o.openURL(url); err != nil {
			_, _ = fmt.Fprintf(o.ErrOut, "warning: could not open a browser (%v); open %s yourself\n", err, url)
		}
	}
	select {
	case <-ctx.Done():
	case err := <-served:
		return err
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdown)
	return nil
}

func (o *dashboardOptions) openURL(url string) error {
	if o.OpenBrowser != nil {
		return o.OpenBrowser(url)
	}
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", url)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
	default:
		cmd = exec.Command("xdg-open", url)
	}
	return cmd.Start()
}

func (d *dashboard) scopeInWords() string {
	if d.scope == "" {
		return "all namespaces"
	}
	return "namespace " + d.scope
}

// newDashboard decides what the user can see.
func (o *dashboardOptions) newDashboard(ctx context.Context) (*dashboard, error) {
	ns, err := o.Namespace()
	if err != nil {
		return nil, err
	}
	c, err := o.Client()
	if err != nil {
		return nil, err
	}
	token := make([]byte, 32)
	if _, err := rand.Read(token); err != nil {
		return nil, err
	}
	d := &dashboard{
		opts: o, client: c, now: o.Now, csrf: base64.RawURLEncoding.EncodeToString(token),
		objects: map[string]*boringv1alpha1.SocialAccount{}, rows: map[string]dashboardRow{},
		subs: map[chan []byte]struct{}{}, snaps: map[types.NamespacedName]boringListing{},
		kickMeta: make(chan struct{}, 1),
	}
	if o.defaultCredentials != "" {
		k, err := credentialsKey(o.defaultCredentials, ns)
		if err != nil {
			return nil, err
		}
		d.defaults.Secret = k
	}
	d.defaults.Namespaces = o.defaultCredentialsNamespaces
	d.scope = ns
	if o.allNamespaces {
		// Like kubectl get -A, but a user who may list only their own
		// namespace still gets a page, which says so.
		var probe boringv1alpha1.SocialAccountList
		err := c.List(ctx, &probe, client.Limit(1))
		switch {
		case err == nil:
			d.scope = ""
		case apierrors.IsForbidden(err):
			d.note = fmt.Sprintf("You may not list SocialAccounts in all namespaces: showing namespace %s, from your kubeconfig.", ns)
			_, _ = fmt.Fprintln(o.ErrOut, "warning: "+d.note)
		default:
			return nil, listError(err, "socialaccount", "")
		}
	}
	var probe boringv1alpha1.SocialAccountList
	if err := c.List(ctx, &probe, client.InNamespace(d.scope), client.Limit(1)); err != nil {
		return nil, listError(err, "socialaccount", d.scope)
	}
	return d, nil
}

// start fills the dashboard from a watch of the SocialAccounts in scope and
// keeps it current until ctx ends.
func (d *dashboard) start(ctx context.Context) error {
	cfg, err := d.opts.ConfigFlags.ToRESTConfig()
	if err != nil {
		return err
	}
	opts := cache.Options{Scheme: d.client.Scheme()}
	if d.scope != "" {
		opts.DefaultNamespaces = map[string]cache.Config{d.scope: {}}
	}
	ca, err := cache.New(cfg, opts)
	if err != nil {
		return err
	}
	inf, err := ca.GetInformer(ctx, &boringv1alpha1.SocialAccount{})
	if err != nil {
		return err
	}
	if _, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { d.upsert(obj) },
		UpdateFunc: func(_, obj any) { d.upsert(obj) },
		DeleteFunc: d.remove,
	}); err != nil {
		return err
	}
	go func() { _ = ca.Start(ctx) }()
	if !ca.WaitForCacheSync(ctx) {
		return fmt.Errorf("watching SocialAccounts in %s: %w", d.scopeInWords(), cmp.Or(ctx.Err(), errors.New("the cache did not sync")))
	}
	d.refreshMeta(ctx)
	go d.loop(ctx)
	return nil
}

// loop recomputes what changes with time (days left) and what comes from
// outside the watch (credentials health, unmapped accounts).
func (d *dashboard) loop(ctx context.Context) {
	tick := time.NewTicker(30 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			d.recomputeRows()
			d.refreshMeta(ctx)
		case <-d.kickMeta:
			d.refreshMeta(ctx)
		}
	}
}

func (d *dashboard) upsert(obj any) {
	sa, ok := obj.(*boringv1alpha1.SocialAccount)
	if !ok {
		return
	}
	key := sa.Namespace + "/" + sa.Name
	d.mu.Lock()
	old := d.objects[key]
	d.objects[key] = sa
	row := newDashboardRow(sa, d.credentialsOf(sa), d.now())
	d.rows[key] = row
	d.broadcastLocked("row", row)
	d.mu.Unlock()
	// The credentials and the mapping feed the health and unmapped lists.
	if old == nil || !equalCredentials(old, sa) || old.Status.AccountID != sa.Status.AccountID ||
		syncedReason(old) != syncedReason(sa) {
		d.kick()
	}
}

func (d *dashboard) remove(obj any) {
	if tomb, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	sa, ok := obj.(*boringv1alpha1.SocialAccount)
	if !ok {
		return
	}
	key := sa.Namespace + "/" + sa.Name
	d.mu.Lock()
	delete(d.objects, key)
	delete(d.rows, key)
	d.broadcastLocked("remove", map[string]string{"key": key})
	d.mu.Unlock()
	d.kick()
}

func (d *dashboard) kick() {
	select {
	case d.kickMeta <- struct{}{}:
	default:
	}
}

func equalCredentials(a, b *boringv1alpha1.SocialAccount) bool {
	ra, rb := a.Spec.CredentialsRef, b.Spec.CredentialsRef
	return (ra == nil) == (rb == nil) && (ra == nil || *ra == *rb)
}

func syncedReason(sa *boringv1alpha1.SocialAccount) string {
	if c := meta.FindStatusCondition(sa.Status.Conditions, boringv1alpha1.ConditionSynced); c != nil {
		return string(c.Status) + c.Reason
	}
	return ""
}

// credentialsOf names the Secret a SocialAccount syncs with, as audit
// groups them.
func (d *dashboard) credentialsOf(sa *boringv1alpha1.SocialAccount) string {
	groups, _ := groupByCredentials([]boringv1alpha1.SocialAccount{*sa}, d.defaults, d.opts.credentialsKey)
	for k := range groups {
		return k.String()
	}
	return ""
}

// recomputeRows rebuilds every row at the current time and sends those that
// changed (days left count down, tokens expire).
func (d *dashboard) recomputeRows() {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.now()
	for key, sa := range d.objects {
		row := newDashboardRow(sa, d.rows[key].Credentials, now)
		if !rowsEqual(row, d.rows[key]) {
			d.rows[key] = row
			d.broadcastLocked("row", row)
		}
	}
}

func rowsEqual(a, b dashboardRow) bool {
	return a.State == b.State && a.Label == b.Label && a.Rank == b.Rank && a.ExpiresAt == b.ExpiresAt &&
		(a.DaysLeft == nil) == (b.DaysLeft == nil) && (a.DaysLeft == nil || *a.DaysLeft == *b.DaysLeft)
}

// refreshMeta recomputes the credentials health and the unmapped accounts,
// with the user's rights, as audit does.
func (d *dashboard) refreshMeta(ctx context.Context) {
	d.mu.Lock()
	items := make([]boringv1alpha1.SocialAccount, 0, len(d.objects))
	for _, sa := range d.objects {
		items = append(items, *sa)
	}
	d.mu.Unlock()
	now := d.now()
	groups, _ := groupByCredentials(items, d.defaults, d.opts.credentialsKey)
	// Opted-in credentials Secrets that no SocialAccount uses yet hold
	// accounts to map too.
	var secrets corev1.SecretList
	sel := client.MatchingLabelsSelector{Selector: labels.SelectorFromSet(labels.Set{boringv1alpha1.CredentialsLabel: "true"})}
	if err := d.client.List(ctx, &secrets, client.InNamespace(d.scope), sel); err == nil {
		for _, s := range secrets.Items {
			k := types.NamespacedName{Namespace: s.Namespace, Name: s.Name}
			if groups[k] == nil {
				groups[k] = &credentialGroup{key: k, dataKey: boringv1alpha1.DefaultCredentialsKey}
			}
		}
	}
	m := dashboardMeta{Scope: d.scope, Note: d.note, DashboardURL: d.opts.dashboardURL,
		Credentials: []credentialsHealth{}, Unmapped: []unmappedRow{}}
	for _, k := range sortedKeys(groups) {
		g := groups[k]
		facts := healthFacts{accounts: len(g.accounts)}
		for _, sa := range g.accounts {
			if syncedReason(sa) == "False"+boringv1alpha1.ReasonUnauthorized {
				facts.unauthorized++
			}
		}
		listing := d.listing(ctx, g, now)
		facts.listed, facts.listErr = listing.err == nil, listing.err
		facts.rejected = listing.err != nil && errors.Is(listing.err, errRejected)
		facts.lastEvent, facts.eventTime = d.sessionEvent(ctx, k)
		m.Credentials = append(m.Credentials, decideHealth(k.String(), facts, now))
		if listing.snap == nil {
			continue
		}
		m.UnmappedKnown = true
		for _, r := range boringRows(listing.snap, g, now) {
			if !slices.Contains(r.Problems, ProblemUnmapped) {
				continue
			}
			u := unmappedRow{Credentials: r.Credentials, Platform: r.Platform, AccountName: r.Account, AccountID: r.AccountID, DaysLeft: r.DaysLeft}
			if r.ExpiresAt != nil {
				u.ExpiresAt = r.ExpiresAt.UTC().Format(time.RFC3339)
			}
			m.Unmapped = append(m.Unmapped, u)
		}
	}
	d.mu.Lock()
	d.meta = m
	d.broadcastLocked("meta", m)
	d.mu.Unlock()
}

// errRejected marks a listing Boring refused the session for.
var errRejected = errors.New("boring rejected the session")

// listing lists one Secret's accounts in Boring, at most once per
// --boring-refresh.
func (d *dashboard) listing(ctx context.Context, g *credentialGroup, now time.Time) boringListing {
	d.mu.Lock()
	l, ok := d.snaps[g.key]
	d.mu.Unlock()
	if ok && now.Sub(l.at) < d.opts.boringEvery {
		return l
	}
	snap, err := d.opts.listBoring(ctx, d.client, g.key, g.dataKey)
	if err != nil && errors.Is(err, boring.ErrUnauthorized) {
		err = fmt.Errorf("%w: %w", errRejected, err)
	}
	l = boringListing{at: now, snap: snap, err: err}
	d.mu.Lock()
	d.snaps[g.key] = l
	d.mu.Unlock()
	return l
}

// sessionEvent is the newest session event on a credentials Secret the user
// may list events of.
func (d *dashboard) sessionEvent(ctx context.Context, key types.NamespacedName) (string, time.Time) {
	var events corev1.EventList
	if err := d.client.List(ctx, &events, client.InNamespace(key.Namespace), client.MatchingFields{
		"involvedObject.kind": "Secret", "involvedObject.name": key.Name}); err != nil {
		return "", time.Time{}
	}
	reason, when := "", time.Time{}
	for i := range events.Items {
		e := &events.Items[i]
		if e.Reason != eventSessionUnauthorized && e.Reason != eventSessionAuthorized {
			continue
		}
		if t := latest(e.LastTimestamp.Time, e.EventTime.Time, e.CreationTimestamp.Time); t.After(when) {
			reason, when = e.Reason, t
		}
	}
	return reason, when
}

// subscribe registers an event stream and returns its first message, the
// whole state, taken under the same lock so no change falls between.
func (d *dashboard) subscribe() (chan []byte, dashboardState) {
	ch := make(chan []byte, 1024)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.subs[ch] = struct{}{}
	return ch, d.stateLocked()
}

func (d *dashboard) unsubscribe(ch chan []byte) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.subs[ch]; ok {
		delete(d.subs, ch)
		close(ch)
	}
}

func (d *dashboard) snapshot() dashboardState {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stateLocked()
}

func (d *dashboard) stateLocked() dashboardState {
	rows := make([]dashboardRow, 0, len(d.rows))
	for _, r := range d.rows {
		rows = append(rows, r)
	}
	sortRows(rows)
	m := d.meta
	if m.Credentials == nil {
		m = dashboardMeta{Scope: d.scope, Note: d.note, DashboardURL: d.opts.dashboardURL,
			Credentials: []credentialsHealth{}, Unmapped: []unmappedRow{}}
	}
	return dashboardState{Rows: rows, Meta: m, CSRF: d.csrf}
}

// broadcastLocked sends one event to every stream; a stream whose buffer is
// full is dropped (its page reconnects and starts from the whole state).
func (d *dashboard) broadcastLocked(event string, v any) {
	if len(d.subs) == 0 {
		return
	}
	msg, err := sseMessage(event, v)
	if err != nil {
		return
	}
	for ch := range d.subs {
		select {
		case ch <- msg:
		default:
			delete(d.subs, ch)
			close(ch)
		}
	}
}

// logf writes one line to the terminal the dashboard runs in.
func (d *dashboard) logf(format string, args ...any) {
	d.logMu.Lock()
	defer d.logMu.Unlock()
	_, _ = fmt.Fprintf(d.opts.ErrOut, format+"\n", args...)
}
