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

package cli_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/boring/boringtest"
	"github.com/aiagent-me/boring-operator/internal/cli"
)

// operatorLogs is what the in-process operators and dashboards of this
// package's tests logged, at every level: tests search it for values that
// must never be logged. controller-runtime takes one logger per process, the
// first set, so TestMain sets it before any test runs, in whatever order.
var operatorLogs = &syncBuffer{}

func TestMain(m *testing.M) {
	logf.SetLogger(zap.New(zap.WriteTo(operatorLogs), zap.UseDevMode(true)))
	os.Exit(m.Run())
}

// testPrompt runs session set at a terminal, where the platform has
// pseudo-terminals, and returns what it printed.
var testPrompt func(f *fixture, value string) result

// runStdin runs kubectl-boring as the admin with stdin as standard input
// (not a terminal).
func (f *fixture) runStdin(stdin string, args ...string) result {
	return f.runIn(strings.NewReader(stdin), args...)
}

// runIn runs kubectl-boring as the admin with in as standard input.
func (f *fixture) runIn(in io.Reader, args ...string) result {
	var out, errOut bytes.Buffer
	streams := genericiooptions.IOStreams{In: in, Out: &out, ErrOut: &errOut}
	o := &cli.Options{IOStreams: streams, ConfigFlags: genericclioptions.NewConfigFlags(true), Now: time.Now}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code := cli.Execute(ctx, o.Command(), append([]string{"--kubeconfig", f.kubeconfig}, args...), &errOut)
	return result{stdout: out.String(), stderr: errOut.String(), code: code}
}

func randomValue(t *testing.T, prefix string) string {
	t.Helper()
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return prefix + hex.EncodeToString(b)
}

// secret reads a Secret of the session test's namespace.
func (f *fixture) secret(name string) *corev1.Secret {
	f.t.Helper()
	s := &corev1.Secret{}
	must(f.t, f.c.Get(context.Background(), client.ObjectKey{Namespace: sessionNS, Name: name}, s))
	return s
}

// waitCondition waits until every SocialAccount of ns has condition typ
// with status and reason, and returns how long it took.
func (f *fixture) waitCondition(ns, typ string, status metav1.ConditionStatus, reason string, timeout time.Duration) time.Duration {
	f.t.Helper()
	start := time.Now()
	var last []string
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		var list boringv1alpha1.SocialAccountList
		if err := f.c.List(ctx, &list, client.InNamespace(ns)); err != nil {
			return false, err
		}
		last = last[:0]
		done := len(list.Items) > 0
		for _, sa := range list.Items {
			c := meta.FindStatusCondition(sa.Status.Conditions, typ)
			if c == nil || c.Status != status || c.Reason != reason {
				done = false
				last = append(last, sa.Name+": "+conditionString(c))
			}
		}
		return done, nil
	})
	if err != nil {
		f.t.Fatalf("SocialAccounts of %s not %s=%s %s within %s: %v", ns, typ, status, reason, timeout, last)
	}
	return time.Since(start)
}

func conditionString(c *metav1.Condition) string {
	if c == nil {
		return "none"
	}
	return string(c.Status) + " " + c.Reason + ": " + c.Message
}

// sessionNS is the session test's namespace.
const sessionNS = "renew"

func testSession(f *fixture) {
	t := f.t
	ctx := context.Background()
	ns := sessionNS
	owner := f.namespace(ns)
	oldValue := ns + "-session" // what f.namespace stored
	exp := time.Now().Add(40 * day)
	f.backend.AddAccount(owner, boringtest.Account{ID: "ses-1", Platform: "instagram", Valid: true, ExpiresAt: &exp, Name: "shop", PlatformID: "1"})
	f.backend.AddAccount(owner, boringtest.Account{ID: "ses-2", Platform: "threads", Valid: true, ExpiresAt: &exp, Name: "shop", PlatformID: "2"})
	f.socialAccount(ns, "shop-instagram", boringv1alpha1.SocialAccountSpec{AccountID: "ses-1"})
	f.socialAccount(ns, "shop-threads", boringv1alpha1.SocialAccountSpec{AccountID: "ses-2"})
	f.waitSynced(ns, 2)

	url := f.backend.URL()
	creds := ns + "/boring-session"
	var outputs []result
	run := func(stdin string, args ...string) result {
		r := f.runStdin(stdin, append(args, "--boring-url", url)...)
		outputs = append(outputs, r)
		return r
	}

	ok := run("", "session", "check", creds)
	if ok.code != 0 || ok.stdout != "secret renew/boring-session: Boring accepts the session and lists 2 accounts under it\n" {
		t.Errorf("check of a working session: exit %d\n%s%s", ok.code, ok.stdout, ok.stderr)
	}
	writeSample(t, "session-check", "kubectl boring session check renew/boring-session", ok.stdout)

	// The session dies; the operator notices on a forced sync.
	f.backend.RevokeSession(oldValue)
	if r := f.run("sync", "--all", "-n", ns); r.code != 0 {
		t.Fatalf("sync --all exited %d: %s", r.code, r.stderr)
	}
	f.waitCondition(ns, boringv1alpha1.ConditionSynced, metav1.ConditionFalse, boringv1alpha1.ReasonUnauthorized, 30*time.Second)
	f.expectSyncedColumn(ns, "False")
	dead := run("", "session", "check", creds)
	if dead.code != 1 || !strings.Contains(dead.stdout, "Boring refuses the session") ||
		!strings.Contains(dead.stdout, "kubectl boring session set renew/boring-session") {
		t.Errorf("check of a refused session: exit %d\n%s%s", dead.code, dead.stdout, dead.stderr)
	}

	// A value Boring refuses writes nothing.
	before := f.secret("boring-session")
	refused := randomValue(t, "refused.")
	r := run(refused+"\n", "session", "set", creds)
	if r.code != 1 || r.stdout != "" {
		t.Errorf("set of a refused value: exit %d, stdout %q", r.code, r.stdout)
	}
	if lines := strings.Split(strings.TrimSpace(r.stderr), "\n"); len(lines) != 1 ||
		!strings.HasPrefix(lines[0], "error: boring refused the session") || !strings.Contains(lines[0], "left unchanged") {
		t.Errorf("set of a refused value: want one line saying nothing changed, got %q", r.stderr)
	}
	if after := f.secret("boring-session"); after.ResourceVersion != before.ResourceVersion {
		t.Errorf("a refused value changed the Secret: resourceVersion %s -> %s", before.ResourceVersion, after.ResourceVersion)
	}
	// Neither does something that is not a cookie value, nor nothing.
	for _, bad := range []string{"", "\n", "Cookie: session=" + refused + "; theme=dark"} {
		r := run(bad, "session", "set", creds)
		if r.code != 1 || r.stdout != "" || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("set of %d bytes that are no cookie value: exit %d, %q %q", len(bad), r.code, r.stdout, r.stderr)
		}
	}
	if after := f.secret("boring-session"); after.ResourceVersion != before.ResourceVersion {
		t.Errorf("a malformed value changed the Secret: resourceVersion %s -> %s", before.ResourceVersion, after.ResourceVersion)
	}

	// A value Boring accepts is stored, and the operator uses it at once.
	renewed := randomValue(t, "renewed.")
	f.backend.AddSession(renewed, owner)
	set := run(renewed+"\n", "session", "set", creds)
	if set.code != 0 || set.stdout != "secret renew/boring-session updated: Boring accepts the session and lists 2 accounts under it\n" {
		t.Fatalf("set of an accepted value: exit %d\n%s%s", set.code, set.stdout, set.stderr)
	}
	writeSample(t, "session-set", "kubectl boring session set renew/boring-session", set.stdout)
	stored := f.secret("boring-session")
	if string(stored.Data[boringv1alpha1.DefaultCredentialsKey]) != renewed || stored.Labels[boringv1alpha1.CredentialsLabel] != "true" {
		t.Errorf("the Secret does not hold the accepted session under %q with the opt-in label: labels %v", boringv1alpha1.DefaultCredentialsKey, stored.Labels)
	}
	took := f.waitCondition(ns, boringv1alpha1.ConditionSynced, metav1.ConditionTrue, boringv1alpha1.ReasonSyncSucceeded, 30*time.Second)
	t.Logf("every SocialAccount Synced=True %s after session set", took.Round(time.Millisecond))
	f.expectSyncedColumn(ns, "True")
	if again := run(renewed, "session", "set", creds); again.code != 0 || !strings.Contains(again.stdout, "unchanged") ||
		f.secret("boring-session").ResourceVersion != stored.ResourceVersion {
		t.Errorf("set of the stored value again: exit %d, %q (want no write)", again.code, again.stdout)
	}

	// A new Secret is created labelled; a Secret without the label gets it.
	if r := run("session="+renewed, "session", "set", ns+"/second", "--key", "cookie"); r.code != 0 || !strings.Contains(r.stdout, "secret renew/second created") {
		t.Errorf("set of a new Secret: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	second := f.secret("second")
	if string(second.Data["cookie"]) != renewed || second.Labels[boringv1alpha1.CredentialsLabel] != "true" || second.Type != corev1.SecretTypeOpaque {
		t.Errorf("the created Secret lacks the session under --key or the opt-in label: type %s labels %v keys %d", second.Type, second.Labels, len(second.Data))
	}
	must(t, f.c.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "plain", Labels: map[string]string{"team": "a"}},
		StringData: map[string]string{"session": renewed, "other": "kept"}}))
	// check reads only opted-in Secrets.
	if r := run("", "session", "check", ns+"/plain"); r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, "lacks the label boring.aiagent-me.com/credentials=true") {
		t.Errorf("check of a Secret that is not opted in: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := run(renewed, "session", "set", ns+"/plain"); r.code != 0 || !strings.Contains(r.stdout, "secret renew/plain updated") {
		t.Errorf("set on an unlabelled Secret: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	plain := f.secret("plain")
	if plain.Labels[boringv1alpha1.CredentialsLabel] != "true" || plain.Labels["team"] != "a" || string(plain.Data["other"]) != "kept" {
		t.Errorf("set did not add the label while keeping the Secret's other labels and keys: labels %v", plain.Labels)
	}
	if r := run("", "session", "check", ns+"/plain"); r.code != 0 {
		t.Errorf("check after set: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// The operator's own account-ID Secrets are not credentials Secrets.
	owned := f.secret("shop-instagram")
	if r := run(renewed, "session", "set", ns+"/shop-instagram"); r.code != 1 || !strings.Contains(r.stderr, "written by boring-operator") ||
		f.secret("shop-instagram").ResourceVersion != owned.ResourceVersion {
		t.Errorf("set on an account-ID Secret: exit %d %q", r.code, r.stderr)
	}

	// At a terminal, the value is read without echo.
	if testPrompt != nil {
		outputs = append(outputs, testPrompt(f, renewed))
	}

	// No output, event or operator log line holds any of the values.
	var events corev1.EventList
	must(t, f.c.List(ctx, &events, client.InNamespace(ns)))
	eventData, err := json.Marshal(events.Items)
	if err != nil {
		t.Fatal(err)
	}
	logs := f.logs.String()
	for _, v := range []string{oldValue, refused, renewed} {
		for i, o := range outputs {
			if strings.Contains(o.stdout, v) || strings.Contains(o.stderr, v) {
				t.Errorf("run %d printed a session value:\n%s%s", i, o.stdout, o.stderr)
			}
		}
		if bytes.Contains(eventData, []byte(v)) {
			t.Error("an event holds a session value")
		}
		if strings.Contains(logs, v) {
			t.Error("the operator logged a session value")
		}
	}
	if len(events.Items) == 0 || logs == "" {
		t.Errorf("nothing searched: %d events, %d bytes of logs", len(events.Items), len(logs))
	}
}

// expectSyncedColumn runs `kubectl get socialaccounts` and checks that the
// SYNCED column follows READY and reads want on every row, while READY stays
// True: a dead session does not take the accounts down.
func (f *fixture) expectSyncedColumn(ns, want string) {
	f.t.Helper()
	out, err := exec.Command(filepath.Join(os.Getenv("KUBEBUILDER_ASSETS"), "kubectl"),
		"--kubeconfig", f.kubeconfig, "get", "socialaccounts", "-n", ns).CombinedOutput()
	if err != nil {
		f.t.Fatalf("kubectl get socialaccounts: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if got := strings.Join(strings.Fields(lines[0]), " "); got != "NAME PLATFORM ACCOUNT VALID DAYS READY SYNCED AGE" {
		f.t.Fatalf("kubectl get socialaccounts prints the columns %q", got)
	}
	for _, line := range lines[1:] {
		// Every column has a value here: the accounts expire.
		if fields := strings.Fields(line); len(fields) != 8 || fields[5] != "True" || fields[6] != want {
			f.t.Errorf("kubectl get socialaccounts: want READY True, SYNCED %s:\n%s", want, out)
		}
	}
	if len(lines) < 2 {
		f.t.Errorf("kubectl get socialaccounts listed nothing:\n%s", out)
	}
}
