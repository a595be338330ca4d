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
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/boring/boringtest"
	"github.com/aiagent-me/boring-operator/internal/cli"
	"github.com/aiagent-me/boring-operator/internal/envtestutil"
)

const day = 24 * time.Hour

// fixture is one control plane, one Boring stand-in and one operator shared
// by the kubectl-boring tests; each test has its own namespace and session.
type fixture struct {
	t          *testing.T
	env        *envtest.Environment
	c          client.Client
	backend    *boringtest.Server
	kubeconfig string
	// logs is what the in-process operator logged.
	logs *syncBuffer
}

// result is what one kubectl-boring run printed and returned.
type result struct {
	stdout, stderr string
	code           int
}

// run runs kubectl-boring in-process with the given kubeconfig and args.
func (f *fixture) runAs(kubeconfig string, args ...string) result {
	var out, errOut bytes.Buffer
	streams := genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}
	o := &cli.Options{IOStreams: streams, ConfigFlags: genericclioptions.NewConfigFlags(true), Now: time.Now}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code := cli.Execute(ctx, o.Command(), append([]string{"--kubeconfig", kubeconfig}, args...), &errOut)
	return result{stdout: out.String(), stderr: errOut.String(), code: code}
}

func (f *fixture) run(args ...string) result { return f.runAs(f.kubeconfig, args...) }

// namespace creates a namespace with a labelled credentials Secret
// boring-session whose session belongs to a user of its own in the stand-in.
func (f *fixture) namespace(name string) (owner string) {
	f.t.Helper()
	ctx := context.Background()
	owner, session := name+"-owner", name+"-session"
	f.backend.AddSession(session, owner)
	must(f.t, f.c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}))
	must(f.t, f.c.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: name, Name: "boring-session",
		Labels: map[string]string{boringv1alpha1.CredentialsLabel: "true"}},
		StringData: map[string]string{"session": session}}))
	return owner
}

func (f *fixture) socialAccount(ns, name string, spec boringv1alpha1.SocialAccountSpec) {
	f.t.Helper()
	if spec.CredentialsRef == nil {
		spec.CredentialsRef = &boringv1alpha1.CredentialsReference{Name: "boring-session"}
	}
	must(f.t, f.c.Create(context.Background(), &boringv1alpha1.SocialAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: spec}))
}

// waitReady waits until n SocialAccounts of ns have a Ready condition whose
// status is want, and returns them.
func (f *fixture) waitSynced(ns string, n int) []boringv1alpha1.SocialAccount {
	f.t.Helper()
	return f.waitSyncedWithin(ns, n, 30*time.Second)
}

func (f *fixture) waitSyncedWithin(ns string, n int, timeout time.Duration) []boringv1alpha1.SocialAccount {
	f.t.Helper()
	var list boringv1alpha1.SocialAccountList
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		if err := f.c.List(ctx, &list, client.InNamespace(ns)); err != nil {
			return false, err
		}
		synced := 0
		for _, sa := range list.Items {
			if meta.FindStatusCondition(sa.Status.Conditions, boringv1alpha1.ConditionReady) != nil && sa.Status.ObservedGeneration == sa.Generation {
				synced++
			}
		}
		return synced == n && len(list.Items) == n, nil
	})
	if err != nil {
		f.t.Fatalf("waiting for %d synced SocialAccounts in %s: %v (have %d)", n, ns, err, len(list.Items))
	}
	return list.Items
}

// oneAccount makes a namespace whose session holds one Threads account,
// valid or not, mapped by a synced SocialAccount called name.
func (f *fixture) oneAccount(ns, name string, valid bool) (owner string) {
	f.t.Helper()
	owner = f.namespace(ns)
	exp := time.Now().Add(40 * day)
	f.backend.AddAccount(owner, boringtest.Account{ID: ns + "-1", Platform: "threads", Valid: valid, ExpiresAt: &exp, Name: name, PlatformID: "1"})
	f.socialAccount(ns, name, boringv1alpha1.SocialAccountSpec{AccountID: ns + "-1"})
	f.waitSynced(ns, 1)
	return owner
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestKubectlBoring(t *testing.T) {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		t.Skip("KUBEBUILDER_ASSETS not set; run through `make test`")
	}
	env, cfg, scheme, c := envtestutil.NewEnv(t)
	backend := boringtest.NewServer()
	t.Cleanup(backend.Close)
	envtestutil.StartOperator(t, cfg, scheme, backend.URL(), ctrl.Options{}, prometheus.NewRegistry())
	f := &fixture{t: t, env: env, c: c, backend: backend, kubeconfig: writeKubeconfig(t, env, "admin", []string{"system:masters"}), logs: operatorLogs}

	t.Run("import", func(t *testing.T) { f.t = t; testImport(f) })
	t.Run("new account", func(t *testing.T) { f.t = t; testNewAccount(f) })
	t.Run("audit", func(t *testing.T) { f.t = t; testAudit(f) })
	t.Run("status", func(t *testing.T) { f.t = t; testStatus(f) })
	t.Run("sync", func(t *testing.T) { f.t = t; testSync(f) })
	t.Run("session", func(t *testing.T) { f.t = t; testSession(f) })
	t.Run("without rights", func(t *testing.T) { f.t = t; testWithoutRights(f) })
	t.Run("dashboard", func(t *testing.T) { f.t = t; testDashboard(f) })
	t.Run("unlabelled credentials", func(t *testing.T) { f.t = t; testUnlabelledCredentials(f) })
}

// testUnlabelledCredentials: a SocialAccount whose credentialsRef names a
// Secret that has not opted in as Boring credentials (say, a database
// password) cannot make audit or import send that Secret's value to Boring.
func testUnlabelledCredentials(f *fixture) {
	t := f.t
	ctx := context.Background()
	ns := "hostile"
	f.namespace(ns)
	const password = "db-password-never-sent"
	// The stand-in knows the value as a session of its own user, so a
	// request carrying it is logged under that user.
	f.backend.AddSession(password, "lure-user")
	must(t, f.c.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "database"},
		StringData: map[string]string{"session": password}}))
	f.socialAccount(ns, "lure", boringv1alpha1.SocialAccountSpec{AccountID: "lure-1",
		CredentialsRef: &boringv1alpha1.CredentialsReference{Name: "database"}})
	a := f.run("audit", "-A", "--boring-url", f.backend.URL())
	i := f.run("import", "-n", ns, "--credentials", ns+"/database", "--boring-url", f.backend.URL())
	for _, req := range f.backend.Requests() {
		if req.User == "lure-user" {
			t.Errorf("the unlabelled Secret's value reached Boring: %+v", req)
		}
	}
	if !strings.Contains(a.stderr, ns+"/database") || !strings.Contains(a.stderr, "not opted in") {
		t.Errorf("audit did not warn about the unlabelled Secret: %q", a.stderr)
	}
	if i.code == 0 || !strings.Contains(i.stderr, "not opted in") {
		t.Errorf("import of an unlabelled Secret: exit %d, stderr %q", i.code, i.stderr)
	}
	for _, out := range []string{a.stdout, a.stderr, i.stdout, i.stderr} {
		if strings.Contains(out, password) {
			t.Fatal("the unlabelled Secret's value was printed")
		}
	}
}

// writeKubeconfig writes a kubeconfig for a user of the test control plane.
func writeKubeconfig(t *testing.T, env *envtest.Environment, name string, groups []string) string {
	t.Helper()
	user, err := env.AddUser(envtest.User{Name: name, Groups: groups}, nil)
	if err != nil {
		t.Fatal(err)
	}
	data, err := user.KubeConfig()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name+".kubeconfig")
	must(t, os.WriteFile(path, data, 0o600))
	return path
}

// importedList parses import's output.
func importedList(t *testing.T, out string) []boringv1alpha1.SocialAccount {
	t.Helper()
	var list struct {
		APIVersion string                         `json:"apiVersion"`
		Kind       string                         `json:"kind"`
		Items      []boringv1alpha1.SocialAccount `json:"items"`
	}
	if err := yaml.UnmarshalStrict([]byte(out), &list); err != nil {
		t.Fatalf("import printed no valid List: %v\n%s", err, out)
	}
	if list.APIVersion != "v1" || list.Kind != "List" {
		t.Fatalf("import printed %s %s, want v1 List", list.APIVersion, list.Kind)
	}
	return list.Items
}

func testImport(f *fixture) {
	t := f.t
	ns := "import"
	owner := f.namespace(ns)
	exp := time.Now().Add(40 * day)
	accounts := []boringtest.Account{
		{ID: "imp-fb-1", Platform: "facebook", Valid: true, Name: "Client A Bakery", PlatformID: "104857600000001"},
		{ID: "imp-fb-2", Platform: "facebook", Valid: true, Name: "Client B Flowers & Co.", PlatformID: "104857600000002"},
		{ID: "imp-ig-1", Platform: "instagram", Valid: true, ExpiresAt: &exp, Name: "clientabakery", PlatformID: "17841400000000001"},
		{ID: "imp-ig-2", Platform: "instagram", Valid: true, ExpiresAt: &exp, Name: "client.b.flowers", PlatformID: "17841400000000002"},
		{ID: "imp-th-1", Platform: "threads", Valid: true, ExpiresAt: &exp, Name: "clientabakery", PlatformID: "26000000000000001"},
		{ID: "imp-th-2", Platform: "threads", Valid: true, ExpiresAt: &exp, Name: "clientbflowers", PlatformID: "26000000000000002"},
	}
	for _, a := range accounts {
		f.backend.AddAccount(owner, a)
	}
	// Two are mapped already: one by account ID, one by platform ID.
	f.socialAccount(ns, "bakery-instagram", boringv1alpha1.SocialAccountSpec{AccountID: "imp-ig-1"})
	f.socialAccount(ns, "bakery-threads", boringv1alpha1.SocialAccountSpec{Platform: boringv1alpha1.PlatformThreads, PlatformAccountID: "26000000000000001"})

	args := []string{"import", "--credentials", ns + "/boring-session", "-n", ns, "--boring-url", f.backend.URL()}
	first := f.run(args...)
	if first.code != 0 {
		t.Fatalf("import exited %d: %s", first.code, first.stderr)
	}
	items := importedList(t, first.stdout)
	if len(items) != 4 {
		t.Fatalf("import printed %d SocialAccounts, want 4:\n%s", len(items), first.stdout)
	}
	names := map[string]bool{}
	for _, sa := range items {
		if errs := validation.IsDNS1123Label(sa.Name); len(errs) > 0 {
			t.Errorf("name %q is not a DNS-1123 label: %v", sa.Name, errs)
		}
		if names[sa.Name] {
			t.Errorf("name %q printed twice", sa.Name)
		}
		names[sa.Name] = true
		if sa.Namespace != ns || sa.Spec.PlatformAccountID == "" || sa.Spec.AccountID != "" ||
			sa.Spec.CredentialsRef == nil || sa.Spec.CredentialsRef.Name != "boring-session" {
			t.Errorf("%s: want a platformAccountID mapping with credentialsRef boring-session in %s, got %+v", sa.Name, ns, sa.Spec)
		}
		if !strings.Contains(first.stdout, "\n# ") {
			t.Error("no comment line with the account's name")
		}
	}
	for _, want := range []string{"facebook-client-a-bakery", "facebook-client-b-flowers-co", "instagram-client-b-flowers", "threads-clientbflowers"} {
		if !names[want] {
			t.Errorf("import did not name a SocialAccount %s: %v", want, names)
		}
	}
	if !strings.Contains(first.stdout, "# Client B Flowers & Co. (facebook, account_id imp-fb-2)") {
		t.Errorf("no comment naming the account:\n%s", first.stdout)
	}
	if again := f.run(args...); again.stdout != first.stdout {
		t.Errorf("import is not deterministic:\n%s\n---\n%s", first.stdout, again.stdout)
	}
	writeSample(t, "import", "kubectl boring import --credentials import/boring-session -n import", first.stdout)

	// Applying the output makes all six Ready.
	for i := range items {
		must(t, f.c.Create(context.Background(), &items[i]))
	}
	for _, sa := range f.waitSynced(ns, 6) {
		if !meta.IsStatusConditionTrue(sa.Status.Conditions, boringv1alpha1.ConditionReady) {
			t.Errorf("%s is not Ready: %+v", sa.Name, sa.Status.Conditions)
		}
	}
	if items := importedList(t, f.run(args...).stdout); len(items) != 0 {
		t.Errorf("a second import printed %d SocialAccounts, want none", len(items))
	}
	all := f.run(append(args, "--all")...)
	if items := importedList(t, all.stdout); len(items) != 6 {
		t.Errorf("import --all printed %d SocialAccounts, want 6", len(items))
	}
	byID := importedList(t, f.run(append(args, "--all", "--by", "account-id")...).stdout)
	for _, sa := range byID {
		if sa.Spec.AccountID == "" || sa.Spec.PlatformAccountID != "" {
			t.Errorf("--by account-id: %s maps %+v", sa.Name, sa.Spec)
		}
	}
	// Names already taken in the namespace are not reused.
	for _, sa := range importedList(t, all.stdout) {
		if sa.Name == "bakery-instagram" || sa.Name == "bakery-threads" {
			t.Errorf("--all reused the taken name %s", sa.Name)
		}
	}
}

// auditRows runs audit -o json and returns its rows by account ID (or by
// SocialAccount for rows without one).
func auditRows(f *fixture, args ...string) (map[string]cli.AuditRow, result) {
	f.t.Helper()
	r := f.run(append([]string{"audit", "-o", "json", "--boring-url", f.backend.URL()}, args...)...)
	var out struct {
		Rows           []cli.AuditRow `json:"rows"`
		NeedsAttention int            `json:"needsAttention"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		f.t.Fatalf("audit -o json printed no valid JSON (%v):\n%s\n%s", err, r.stdout, r.stderr)
	}
	rows := map[string]cli.AuditRow{}
	for _, row := range out.Rows {
		key := row.AccountID
		if key == "" {
			key = strings.Join(row.SocialAccounts, ",")
		}
		rows[key] = row
	}
	return rows, r
}

func testAudit(f *fixture) {
	t := f.t
	ns := "audit"
	owner := f.namespace(ns)
	now := time.Now()
	long, soon, past := now.Add(40*day), now.Add(3*day), now.Add(-day)
	for _, a := range []boringtest.Account{
		{ID: "aud-ok", Platform: "instagram", Valid: true, ExpiresAt: &long, Name: "ok", PlatformID: "1"},
		{ID: "aud-expiring", Platform: "instagram", Valid: true, ExpiresAt: &soon, Name: "expiring", PlatformID: "2"},
		{ID: "aud-wide-window", Platform: "threads", Valid: true, ExpiresAt: &long, Name: "wide", PlatformID: "3"},
		{ID: "aud-invalid", Platform: "threads", Valid: false, ExpiresAt: &long, Name: "invalid", PlatformID: "4"},
		{ID: "aud-expired", Platform: "threads", Valid: true, ExpiresAt: &past, Name: "expired", PlatformID: "5"},
		{ID: "aud-unmapped", Platform: "facebook", Valid: true, Name: "Unmapped Page", PlatformID: "6"},
		{ID: "aud-twice", Platform: "facebook", Valid: true, Name: "Twice Page", PlatformID: "7"},
	} {
		f.backend.AddAccount(owner, a)
	}
	f.socialAccount(ns, "ok", boringv1alpha1.SocialAccountSpec{AccountID: "aud-ok"})
	f.socialAccount(ns, "expiring", boringv1alpha1.SocialAccountSpec{AccountID: "aud-expiring"})
	f.socialAccount(ns, "wide", boringv1alpha1.SocialAccountSpec{AccountID: "aud-wide-window", ExpiryWarningDays: 60})
	f.socialAccount(ns, "invalid", boringv1alpha1.SocialAccountSpec{AccountID: "aud-invalid"})
	f.socialAccount(ns, "expired", boringv1alpha1.SocialAccountSpec{AccountID: "aud-expired"})
	f.socialAccount(ns, "twice-a", boringv1alpha1.SocialAccountSpec{AccountID: "aud-twice"})
	f.socialAccount(ns, "twice-b", boringv1alpha1.SocialAccountSpec{Platform: boringv1alpha1.PlatformFacebook, PlatformAccountID: "7"})
	f.socialAccount(ns, "gone", boringv1alpha1.SocialAccountSpec{AccountID: "aud-gone"})
	f.waitSynced(ns, 8)

	rows, r := auditRows(f, "-n", ns)
	if r.code != 1 {
		t.Errorf("audit of a fixture with problems exited %d, want 1", r.code)
	}
	want := map[string][]string{
		"aud-ok":          {},
		"aud-expiring":    {cli.ProblemExpiring},
		"aud-wide-window": {cli.ProblemExpiring},
		"aud-invalid":     {cli.ProblemTokenInvalid},
		"aud-expired":     {cli.ProblemTokenExpired},
		"aud-unmapped":    {cli.ProblemUnmapped},
		"aud-twice":       {cli.ProblemMappedTwice},
		"aud-gone":        {cli.ProblemGone},
	}
	if len(rows) != len(want) {
		t.Errorf("audit printed %d rows, want %d: %+v", len(rows), len(want), rows)
	}
	for id, problems := range want {
		row, ok := rows[id]
		if !ok {
			t.Errorf("no row for %s", id)
			continue
		}
		if !slices.Equal(row.Problems, problems) {
			t.Errorf("%s: problems %v, want %v", id, row.Problems, problems)
		}
	}
	if got := rows["aud-twice"].SocialAccounts; !slices.Equal(got, []string{"audit/twice-a", "audit/twice-b"}) {
		t.Errorf("aud-twice is mapped by %v, want both SocialAccounts", got)
	}
	table := f.run("audit", "-n", ns, "--boring-url", f.backend.URL())
	if table.code != 1 {
		t.Errorf("audit (table) exited %d, want 1", table.code)
	}
	// Header, one line per row, a blank line and the summary.
	if lines := strings.Split(strings.TrimSpace(table.stdout), "\n"); len(lines) != len(want)+3 {
		t.Errorf("the table has %d lines for %d rows:\n%s", len(lines), len(want), table.stdout)
	}
	writeSample(t, "audit", "kubectl boring audit -n audit", table.stdout)

	clean := "audit-clean"
	cleanOwner := f.namespace(clean)
	f.backend.AddAccount(cleanOwner, boringtest.Account{ID: "clean-1", Platform: "instagram", Valid: true, ExpiresAt: &long, Name: "clean", PlatformID: "1"})
	f.socialAccount(clean, "clean", boringv1alpha1.SocialAccountSpec{AccountID: "clean-1"})
	f.waitSynced(clean, 1)
	cleanRows, r := auditRows(f, "-n", clean)
	if r.code != 0 || len(cleanRows) != 1 || len(cleanRows["clean-1"].Problems) != 0 {
		t.Errorf("audit of a clean fixture: exit %d, rows %+v", r.code, cleanRows)
	}
}

func testStatus(f *fixture) {
	t := f.t
	ns := "status"
	owner := f.namespace(ns)
	exp := time.Now().Add(40 * day)
	soon := time.Now().Add(3 * day)
	f.backend.AddAccount(owner, boringtest.Account{ID: "st-1", Platform: "instagram", Valid: true, ExpiresAt: &exp, Name: "shop", PlatformID: "1"})
	f.backend.AddAccount(owner, boringtest.Account{ID: "st-2", Platform: "threads", Valid: true, ExpiresAt: &soon, Name: "soon", PlatformID: "2"})
	f.socialAccount(ns, "shop", boringv1alpha1.SocialAccountSpec{AccountID: "st-1",
		RolloutRestartTargets: []boringv1alpha1.RolloutTarget{{Kind: boringv1alpha1.RolloutTargetDeployment, Name: "web"}}})
	f.socialAccount(ns, "soon", boringv1alpha1.SocialAccountSpec{AccountID: "st-2"})
	f.waitSynced(ns, 2)

	ctx := context.Background()
	labels := map[string]string{"app": "web"}
	container := corev1.Container{Name: "app", Image: "example.com/web:1",
		EnvFrom: []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "shop"}}}}}
	deploy := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"}, Spec: appsv1.DeploymentSpec{
		Selector: &metav1.LabelSelector{MatchLabels: labels},
		Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: corev1.PodSpec{Containers: []corev1.Container{container}}}}}
	must(t, f.c.Create(ctx, deploy))
	// envtest runs no controllers: make the ReplicaSet and the pods as the
	// Deployment controller would.
	rsLabels := map[string]string{"app": "web", "pod-template-hash": "5d8f7c9b6d"}
	rs := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web-5d8f7c9b6d", Labels: rsLabels,
		OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: "web", UID: deploy.UID, Controller: ptr.To(true)}}},
		Spec: appsv1.ReplicaSetSpec{Selector: &metav1.LabelSelector{MatchLabels: rsLabels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: rsLabels}, Spec: deploy.Spec.Template.Spec}}}
	must(t, f.c.Create(ctx, rs))
	must(t, f.c.Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web-5d8f7c9b6d-x7k2p", Labels: rsLabels,
		OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: rs.Name, UID: rs.UID, Controller: ptr.To(true)}}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{container}}}))
	must(t, f.c.Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "worker"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "worker", Image: "example.com/worker:1",
			VolumeMounts: []corev1.VolumeMount{{Name: "account", MountPath: "/etc/boring"}}}},
			Volumes: []corev1.Volume{{Name: "account", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "shop"}}}}}}))
	must(t, f.c.Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "unrelated"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "x", Image: "example.com/x:1"}}}}))

	r := f.run("status", "shop", "-n", ns)
	if r.code != 0 {
		t.Fatalf("status exited %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{
		"State:",
		"Ready: the account is connected and its token is valid",
		"Ready   True",
		"Secret status/shop: present",
		"web-5d8f7c9b6d-x7k2p (Deployment web): envFrom in container app",
		"worker: volume account",
		"Deployment web",
		"Next step: nothing to do.",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("status lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "unrelated") {
		t.Errorf("status names a pod that does not use the Secret:\n%s", r.stdout)
	}
	writeSample(t, "status", "kubectl boring status shop -n status", r.stdout)

	soonOut := f.run("status", "soon", "-n", ns)
	for _, want := range []string{"but it expires soon", "TokenExpiringSoon", "reconnect the account in Boring: https://boring.aiagent-me.com"} {
		if !strings.Contains(soonOut.stdout, want) {
			t.Errorf("status of an expiring account lacks %q:\n%s", want, soonOut.stdout)
		}
	}
	if missing := f.run("status", "nope", "-n", ns); missing.code != 1 || strings.TrimSpace(missing.stderr) != "error: socialaccount status/nope not found" {
		t.Errorf("status of a missing SocialAccount: exit %d, %q", missing.code, missing.stderr)
	}
}

func testSync(f *fixture) {
	t := f.t
	ns := "sync"
	owner := f.oneAccount(ns, "synced", true)
	lists := f.backend.CountFor(boringtest.EndpointList, owner)

	r := f.run("sync", "synced", "-n", ns, "--wait")
	if r.code != 0 {
		t.Fatalf("sync --wait exited %d: %s", r.code, r.stderr)
	}
	sa := &boringv1alpha1.SocialAccount{}
	must(t, f.c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "synced"}, sa))
	requested := sa.Annotations[boringv1alpha1.SyncRequestedAnnotation]
	if requested == "" || sa.Status.LastHandledSyncRequest != requested {
		t.Errorf("sync --wait returned before the operator handled %q (handled: %q)", requested, sa.Status.LastHandledSyncRequest)
	}
	if got := f.backend.CountFor(boringtest.EndpointList, owner); got <= lists {
		t.Errorf("the forced sync listed no fresh accounts (%d lists before, %d after)", lists, got)
	}
	if !strings.Contains(r.stdout, "socialaccount sync/synced: synced: Ready=True TokenValid") {
		t.Errorf("sync --wait printed:\n%s", r.stdout)
	}
	missing := f.run("sync", "nope", "-n", ns, "--wait")
	if missing.code != 1 || strings.TrimSpace(missing.stderr) != "error: socialaccount sync/nope not found" {
		t.Errorf("sync of a missing SocialAccount: exit %d, %q", missing.code, missing.stderr)
	}
}

func testWithoutRights(f *fixture) {
	t := f.t
	ns := "rights"
	f.oneAccount(ns, "revoked", false)
	// A user who may read SocialAccounts in the namespace, and nothing else.
	ctx := context.Background()
	must(t, f.c.Create(ctx, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "socialaccount-reader"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{boringv1alpha1.GroupVersion.Group}, Resources: []string{"socialaccounts"}, Verbs: []string{"get", "list"}}}}))
	must(t, f.c.Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "socialaccount-reader"},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "socialaccount-reader"},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "reader"}}}))
	reader := writeKubeconfig(t, f.env, "reader", nil)

	r := f.runAs(reader, "import", "--credentials", ns+"/boring-session", "-n", ns, "--boring-url", f.backend.URL())
	want := fmt.Sprintf(`error: cannot get secret %s/boring-session: forbidden (you need "get" on secrets in namespace %q)`, ns, ns)
	if r.code != 1 || strings.TrimSpace(r.stderr) != want {
		t.Errorf("import without rights: exit %d, stderr %q, want %q", r.code, r.stderr, want)
	}
	if r.stdout != "" {
		t.Errorf("import without rights printed %q", r.stdout)
	}
	// audit falls back to the SocialAccounts' own status.
	a := f.runAs(reader, "audit", "-n", ns, "--boring-url", f.backend.URL())
	if a.code != 1 || !strings.Contains(a.stdout, "TokenInvalid (from status)") {
		t.Errorf("audit without rights to the Secret: exit %d\n%s\n%s", a.code, a.stdout, a.stderr)
	}
	if !strings.Contains(a.stderr, `warning: cannot get secret rights/boring-session: forbidden`) {
		t.Errorf("audit did not say which Secret it could not read: %q", a.stderr)
	}

	// An audit that cannot run exits 2, so a CronJob tells it from findings (1).
	nobody := writeKubeconfig(t, f.env, "nobody", nil)
	if n := f.runAs(nobody, "audit", "-n", ns, "--boring-url", f.backend.URL()); n.code != 2 || n.stdout != "" ||
		!strings.HasPrefix(n.stderr, "error: ") || !strings.Contains(n.stderr, "forbidden") {
		t.Errorf("audit by a user who may not list SocialAccounts: exit %d (want 2)\n%s\n%s", n.code, n.stdout, n.stderr)
	}
	for _, args := range [][]string{{"audit", "-n", ns, "-o", "yaml"}, {"audit", "--no-such-flag"}, {"audit", "an-argument"}} {
		if r := f.run(args...); r.code != 2 || !strings.HasPrefix(r.stderr, "error: ") {
			t.Errorf("kubectl boring %s: exit %d (want 2), stderr %q", strings.Join(args, " "), r.code, r.stderr)
		}
	}
	// Other commands keep kubectl's exit 1 for errors.
	if r := f.run("sync", "--no-such-flag"); r.code != 1 {
		t.Errorf("kubectl boring sync --no-such-flag: exit %d, want 1", r.code)
	}
}
