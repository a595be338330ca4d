//go:build e2e

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

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/boring/boringtest"
)

// Namespaces of the journey: a team's, and one that is deleted whole. (The
// getting-started page's own namespace, marketing, is its step's.)
const (
	teamNS   = "team-a"
	doomedNS = "doomed"
)

// TestJourney is what a platform team and its users do, in order; each step
// needs the ones before it, so after a failure the rest are skipped.
func TestJourney(t *testing.T) {
	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"Install", install},
		{"BothReplicasReadyOneLeader", bothReplicasReady},
		{"GettingStarted", gettingStarted},
		{"SocialAccountsReady", socialAccountsReady},
		{"PublisherSeesAccountID", publisherSeesAccountID},
		{"ReconnectRollsOutListedDeploymentOnly", reconnectRollsOut},
		{"AccountAPIFromAPod", accountAPIFromAPod},
		{"LeaderFailover", leaderFailover},
		{"NamespaceDeletion", namespaceDeletion},
		{"HelmUpgradeWritesNoStatus", helmUpgrade},
		{"HelmUninstallKeepsEverything", helmUninstall},
	}
	failed := ""
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if failed != "" {
				t.Skipf("step %s failed", failed)
			}
			start := time.Now()
			s.run(t)
			t.Logf("%s took %s", s.name, time.Since(start).Round(100*time.Millisecond))
		})
		if failed == "" && t.Failed() {
			failed = s.name
		}
	}
}

// ---------------------------------------------------------------- steps

func install(t *testing.T) {
	ctx := context.Background()
	must(t, c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: releaseNS}}))
	writeTLS(t)
	repo, tag, ok := strings.Cut(env.image[strings.LastIndex(env.image, "/")+1:], ":")
	if !ok {
		t.Fatalf("E2E_IMAGE %q has no tag", env.image)
	}
	repo = env.image[:strings.LastIndex(env.image, "/")+1] + repo
	helm(t, "install", release, env.chart, "--namespace", releaseNS, "--wait", "--timeout", "3m",
		"--set", "image.repository="+repo, "--set", "image.tag="+tag, "--set", "image.pullPolicy=Never",
		"--set", "boring.url="+boringIP,
		"--set", "accountAPI.tls.certManager.enabled=false",
		"--set", "defaultCredentials.secretName=",
		"--set", "metrics.readerSubjects[0].kind=ServiceAccount",
		"--set", "metrics.readerSubjects[0].name="+scraperName,
		"--set", "metrics.readerSubjects[0].namespace="+releaseNS)
}

func bothReplicasReady(t *testing.T) {
	ctx := context.Background()
	eventually(t, 2*time.Minute, "both manager pods Running and Ready", func() error {
		pods, err := managerPods(ctx)
		if err != nil {
			return err
		}
		if len(pods) != 2 {
			return fmt.Errorf("%d manager pods, want 2", len(pods))
		}
		for _, p := range pods {
			if !podReady(&p) {
				return fmt.Errorf("pod %s is %s and not Ready", p.Name, p.Status.Phase)
			}
		}
		return nil
	})
	pods, err := managerPods(ctx)
	must(t, err)
	holder := leaseHolder(t)
	leaders := 0
	for _, p := range pods {
		if p.Spec.ServiceAccountName != deployment {
			t.Errorf("pod %s runs as %q, want the chart's ServiceAccount %q", p.Name, p.Spec.ServiceAccountName, deployment)
		}
		if p.Name == holder {
			leaders++
		}
	}
	if leaders != 1 {
		t.Fatalf("lease held by %q: %d of the manager pods, want exactly 1", holder, leaders)
	}
	// Every replica serves the account API: both are endpoints of its Service.
	eventually(t, time.Minute, "two ready endpoints of the account API", func() error {
		var slices discoveryv1.EndpointSliceList
		if err := c.List(ctx, &slices, client.InNamespace(releaseNS), client.MatchingLabels{discoveryv1.LabelServiceName: apiService}); err != nil {
			return err
		}
		ready := 0
		for _, s := range slices.Items {
			for _, e := range s.Endpoints {
				if ptr.Deref(e.Conditions.Ready, false) {
					ready++
				}
			}
		}
		if ready != 2 {
			return fmt.Errorf("%d ready endpoints", ready)
		}
		return nil
	})
	// Only the chart binds roles to the manager's ServiceAccount.
	var crbs rbacv1.ClusterRoleBindingList
	must(t, c.List(ctx, &crbs))
	var rbs rbacv1.RoleBindingList
	must(t, c.List(ctx, &rbs))
	check := func(kind, name string, labels map[string]string, subjects []rbacv1.Subject) {
		for _, s := range subjects {
			if s.Kind == rbacv1.ServiceAccountKind && s.Name == deployment && s.Namespace == releaseNS &&
				labels["app.kubernetes.io/managed-by"] != "Helm" {
				t.Errorf("%s %s binds the manager's ServiceAccount but is not the chart's", kind, name)
			}
		}
	}
	for _, b := range crbs.Items {
		check("ClusterRoleBinding", b.Name, b.Labels, b.Subjects)
	}
	for _, b := range rbs.Items {
		check("RoleBinding", b.Namespace+"/"+b.Name, b.Labels, b.Subjects)
	}
}

func socialAccountsReady(t *testing.T) {
	ctx := context.Background()
	in30Days := time.Now().Add(30 * 24 * time.Hour)
	backend.AddAccount(boringUser, boringtest.Account{ID: "page-1", Platform: "facebook", Valid: true, Name: "Spring Sale", PlatformID: "1001"})
	backend.AddAccount(boringUser, boringtest.Account{ID: "insta-1", Platform: "instagram", Valid: true, Name: "springsale",
		PlatformID: "2001", AccountType: "BUSINESS", ExpiresAt: &in30Days})
	for i := range 3 {
		backend.AddAccount(boringUser, boringtest.Account{ID: fmt.Sprintf("doomed-%d", i), Platform: "threads", Valid: true,
			Name: fmt.Sprintf("doomed%d", i), PlatformID: fmt.Sprint(3000 + i), ExpiresAt: &in30Days})
	}
	// Connected in Boring from the start: the failover step maps them.
	backend.AddAccount(boringUser, boringtest.Account{ID: "gone-1", Platform: "facebook", Valid: true, Name: "Old Page", PlatformID: "4001"})
	backend.AddAccount(boringUser, boringtest.Account{ID: "born-1", Platform: "facebook", Valid: true, Name: "New Page", PlatformID: "4002"})
	for _, ns := range []string{teamNS, doomedNS} {
		must(t, c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}))
		createCredentials(t, ns)
	}
	createAccount(t, &boringv1alpha1.SocialAccount{ObjectMeta: metav1.ObjectMeta{Namespace: teamNS, Name: "spring-page"},
		Spec: boringv1alpha1.SocialAccountSpec{PlatformAccountID: "1001", Platform: boringv1alpha1.PlatformFacebook,
			RolloutRestartTargets: []boringv1alpha1.RolloutTarget{{Kind: "Deployment", Name: "publisher"}}}})
	createAccount(t, &boringv1alpha1.SocialAccount{ObjectMeta: metav1.ObjectMeta{Namespace: teamNS, Name: "spring-insta"},
		Spec: boringv1alpha1.SocialAccountSpec{PlatformAccountID: "2001", Platform: boringv1alpha1.PlatformInstagram}})
	for i := range 3 {
		createAccount(t, &boringv1alpha1.SocialAccount{ObjectMeta: metav1.ObjectMeta{Namespace: doomedNS, Name: fmt.Sprintf("doomed-%d", i)},
			Spec: boringv1alpha1.SocialAccountSpec{AccountID: fmt.Sprintf("doomed-%d", i), DeletionPolicy: boringv1alpha1.DeletionPolicyDisconnect}})
	}
	for _, key := range []client.ObjectKey{{Namespace: teamNS, Name: "spring-page"}, {Namespace: teamNS, Name: "spring-insta"},
		{Namespace: doomedNS, Name: "doomed-0"}, {Namespace: doomedNS, Name: "doomed-1"}, {Namespace: doomedNS, Name: "doomed-2"}} {
		waitReady(t, key)
	}
	sa := getAccount(t, client.ObjectKey{Namespace: teamNS, Name: "spring-page"})
	if sa.Status.AccountID != "page-1" {
		t.Fatalf("spring-page resolved to %q, want page-1", sa.Status.AccountID)
	}
	out := kubectl(t, "get", "socialaccounts", "-n", teamNS)
	for _, want := range []string{"spring-page", "spring-insta", "Spring Sale", "springsale"} {
		if !strings.Contains(out, want) {
			t.Errorf("kubectl get socialaccounts does not show %q:\n%s", want, out)
		}
	}
	t.Logf("kubectl get socialaccounts -n %s:\n%s", teamNS, out)
}

func publisherSeesAccountID(t *testing.T) {
	createPublisher(t, "publisher")
	createPublisher(t, "bystander")
	for _, name := range []string{"publisher", "bystander"} {
		waitLog(t, name, "env ACCOUNT_ID=page-1", "file ACCOUNT_ID=page-1")
	}
}

func reconnectRollsOut(t *testing.T) {
	ctx := context.Background()
	before := podOf(t, "publisher")
	bystander := podOf(t, "bystander")
	newID, err := backend.Reconnect("page-1", 0)
	must(t, err)
	// As `kubectl boring sync` does: sync now, past the shared cache.
	kubectl(t, "annotate", "-n", teamNS, "socialaccount", "spring-page", "--overwrite",
		boringv1alpha1.SyncRequestedAnnotation+"="+time.Now().UTC().Format(time.RFC3339Nano))
	eventually(t, time.Minute, "the Secret holding the new account ID", func() error {
		s := &corev1.Secret{}
		if err := c.Get(ctx, client.ObjectKey{Namespace: teamNS, Name: "spring-page"}, s); err != nil {
			return err
		}
		if got := string(s.Data[boringv1alpha1.SecretKeyAccountID]); got != newID {
			return fmt.Errorf("ACCOUNT_ID is %q", got)
		}
		return nil
	})
	eventually(t, 2*time.Minute, "a new publisher pod", func() error {
		p, err := runningPodOf(ctx, "publisher")
		if err != nil {
			return err
		}
		if p.UID == before.UID {
			return fmt.Errorf("still the pod from before the reconnect")
		}
		return nil
	})
	waitLog(t, "publisher", "env ACCOUNT_ID="+newID, "file ACCOUNT_ID="+newID)

	// The unlisted Deployment keeps its pod: the mounted file follows (kubelet
	// sync), the environment does not.
	eventually(t, 2*time.Minute, "the bystander's mounted file updated", func() error {
		p, err := runningPodOf(ctx, "bystander")
		if err != nil {
			return err
		}
		if p.UID != bystander.UID {
			return fmt.Errorf("the bystander was restarted: pod %s, before %s", p.Name, bystander.Name)
		}
		logs := kubectl(t, "logs", "-n", teamNS, p.Name)
		if !strings.Contains(logs, "file ACCOUNT_ID="+newID) {
			return fmt.Errorf("logs:\n%s", logs)
		}
		if strings.Contains(logs, "env ACCOUNT_ID="+newID) || !strings.Contains(logs, "env ACCOUNT_ID=page-1") {
			return fmt.Errorf("the environment changed without a restart:\n%s", logs)
		}
		return nil
	})
	d := &appsv1.Deployment{}
	must(t, c.Get(ctx, client.ObjectKey{Namespace: teamNS, Name: "bystander"}, d))
	if _, ok := d.Spec.Template.Annotations[boringv1alpha1.RestartedAtAnnotation]; ok {
		t.Errorf("the unlisted Deployment was restarted")
	}
}

func accountAPIFromAPod(t *testing.T) {
	ctx := context.Background()
	// The caller's own RBAC: list SocialAccounts in its namespace only.
	must(t, c.Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: teamNS, Name: "dashboard"}}))
	must(t, c.Create(ctx, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: teamNS, Name: "socialaccount-reader"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{boringv1alpha1.GroupVersion.Group}, Resources: []string{"socialaccounts"},
			Verbs: []string{"get", "list"}}}}))
	must(t, c.Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: teamNS, Name: "socialaccount-reader"},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "socialaccount-reader"},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: teamNS, Name: "dashboard"}}}))
	must(t, c.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: teamNS, Name: "account-api-ca"},
		Data: map[string]string{"ca.crt": string(caPEM)}}))
	svc := &corev1.Service{}
	must(t, c.Get(ctx, client.ObjectKey{Namespace: releaseNS, Name: apiService}, svc))

	// A token minted for the account API only, as `kubectl create token
	// dashboard --audience boring-account-api` makes, kept in a Secret the pod
	// mounts.
	token := strings.TrimSpace(kubectl(t, "create", "token", "dashboard", "-n", teamNS, "--audience", "boring-account-api", "--duration", "1h"))
	must(t, c.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: teamNS, Name: "dashboard-token"},
		StringData: map[string]string{"token": token}}))

	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: teamNS, Name: "api-caller"},
		Spec: corev1.PodSpec{
			RestartPolicy:      corev1.RestartPolicyNever,
			ServiceAccountName: "dashboard",
			SecurityContext:    restrictedPod(),
			Containers: []corev1.Container{{
				Name: "call", Image: env.publisherImage, ImagePullPolicy: corev1.PullNever, Args: []string{"call"},
				Env: []corev1.EnvVar{
					{Name: "API_URL", Value: fmt.Sprintf("https://%s:%d", svc.Spec.ClusterIP, svc.Spec.Ports[0].Port)},
					{Name: "API_SERVER_NAME", Value: apiService + "." + releaseNS + ".svc"},
					{Name: "API_CA_FILE", Value: "/ca/ca.crt"},
					{Name: "API_TOKEN_FILE", Value: "/token/token"},
				},
				SecurityContext: restrictedContainer(),
				VolumeMounts: []corev1.VolumeMount{{Name: "ca", MountPath: "/ca", ReadOnly: true},
					{Name: "token", MountPath: "/token", ReadOnly: true}},
			}},
			Volumes: []corev1.Volume{
				{Name: "ca", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
					LocalObjectReference: corev1.LocalObjectReference{Name: "account-api-ca"}}}},
				{Name: "token", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "dashboard-token"}}},
			},
		},
	}
	must(t, c.Create(ctx, pod))
	eventually(t, time.Minute, "the caller pod done", func() error {
		if err := c.Get(ctx, client.ObjectKeyFromObject(pod), pod); err != nil {
			return err
		}
		if pod.Status.Phase != corev1.PodSucceeded && pod.Status.Phase != corev1.PodFailed {
			return fmt.Errorf("phase %s", pod.Status.Phase)
		}
		return nil
	})
	logs := kubectl(t, "logs", "-n", teamNS, "api-caller")
	if pod.Status.Phase != corev1.PodSucceeded || !strings.HasPrefix(logs, "status 200\n") {
		t.Fatalf("the account API answered the pod:\n%s", logs)
	}
	var answer struct {
		Accounts []struct {
			AccountID string `json:"account_id"`
			Namespace string `json:"namespace"`
			Name      string `json:"name"`
		} `json:"accounts"`
	}
	must(t, json.Unmarshal([]byte(strings.TrimPrefix(logs, "status 200\n")), &answer))
	names := map[string]bool{}
	for _, a := range answer.Accounts {
		if a.Namespace != teamNS {
			t.Errorf("the API showed %s/%s to a caller that may read %s only", a.Namespace, a.Name, teamNS)
		}
		names[a.Name] = true
	}
	if !names["spring-page"] || !names["spring-insta"] || len(answer.Accounts) != 2 {
		t.Errorf("the API listed %+v, want spring-page and spring-insta", answer.Accounts)
	}
}

func leaderFailover(t *testing.T) {
	ctx := context.Background()
	createAccount(t, &boringv1alpha1.SocialAccount{ObjectMeta: metav1.ObjectMeta{Namespace: teamNS, Name: "old-page"},
		Spec: boringv1alpha1.SocialAccountSpec{AccountID: "gone-1"}})
	waitReady(t, client.ObjectKey{Namespace: teamNS, Name: "old-page"})

	leader := leaseHolder(t)
	pods, err := managerPods(ctx)
	must(t, err)
	standby := ""
	for _, p := range pods {
		if p.Name != leader {
			standby = p.Name
		}
	}
	if standby == "" {
		t.Fatalf("no standby beside the leader %s", leader)
	}
	// Delete the SocialAccount, then at once the leader.
	kubectl(t, "delete", "socialaccount", "-n", teamNS, "old-page", "--wait=false")
	killed := time.Now()
	kubectl(t, "delete", "pod", "-n", releaseNS, leader, "--wait=false")
	createAccount(t, &boringv1alpha1.SocialAccount{ObjectMeta: metav1.ObjectMeta{Namespace: teamNS, Name: "new-page"},
		Spec: boringv1alpha1.SocialAccountSpec{AccountID: "born-1"}})

	// The standby, or the leader's replacement when it starts first and wins
	// the released lease: either way not the killed pod.
	var holder string
	eventually(t, 2*time.Minute, "another replica holding the lease", func() error {
		holder = leaseHolder(t)
		if holder == "" || holder == leader {
			return fmt.Errorf("held by %q", holder)
		}
		return nil
	})
	took := time.Since(killed)
	lease := &coordinationv1.Lease{}
	must(t, c.Get(ctx, client.ObjectKey{Namespace: releaseNS, Name: leaseName}, lease))
	who := "the standby"
	if holder != standby {
		who = "the leader's replacement"
	}
	t.Logf("%s (%s) took the lease %s after the leader's pod was deleted (lease duration %ds)",
		who, holder, took.Round(100*time.Millisecond), ptr.Deref(lease.Spec.LeaseDurationSeconds, 0))

	waitReady(t, client.ObjectKey{Namespace: teamNS, Name: "new-page"})
	eventually(t, time.Minute, "old-page gone", func() error {
		err := c.Get(ctx, client.ObjectKey{Namespace: teamNS, Name: "old-page"}, &boringv1alpha1.SocialAccount{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("still there (%v)", err)
	})
	if n := disconnects("gone-1"); n != 1 {
		t.Errorf("gone-1 was disconnected %d times, want exactly 1", n)
	}
	if !backend.Disconnected("gone-1") {
		t.Errorf("gone-1 is still connected in Boring")
	}
	eventually(t, 2*time.Minute, "two ready replicas again", func() error {
		pods, err := managerPods(ctx)
		if err != nil {
			return err
		}
		ready := 0
		for i := range pods {
			if podReady(&pods[i]) {
				ready++
			}
		}
		if ready != 2 {
			return fmt.Errorf("%d ready", ready)
		}
		return nil
	})
}

func namespaceDeletion(t *testing.T) {
	start := time.Now()
	kubectl(t, "delete", "namespace", doomedNS, "--timeout=3m")
	t.Logf("namespace %s deleted in %s", doomedNS, time.Since(start).Round(100*time.Millisecond))
	for i := range 3 {
		id := fmt.Sprintf("doomed-%d", i)
		if n := disconnects(id); n != 1 {
			t.Errorf("%s was disconnected %d times, want exactly 1", id, n)
		}
	}
}

func helmUpgrade(t *testing.T) {
	ctx := context.Background()
	var accounts boringv1alpha1.SocialAccountList
	must(t, c.List(ctx, &accounts))
	for i := range accounts.Items {
		waitReady(t, client.ObjectKeyFromObject(&accounts.Items[i]))
	}
	oldPods, err := managerPods(ctx)
	must(t, err)
	backend.ResetLog()
	start := time.Now()
	helm(t, "upgrade", release, env.chart, "--namespace", releaseNS, "--reuse-values", "--wait", "--timeout", "3m",
		"--set", "podAnnotations.e2e/upgraded=yes")
	t.Logf("helm upgrade --wait took %s", time.Since(start).Round(100*time.Millisecond))
	newPods, err := managerPods(ctx)
	must(t, err)
	for _, p := range newPods {
		for _, o := range oldPods {
			if p.UID == o.UID {
				t.Errorf("pod %s survived the upgrade", p.Name)
			}
		}
	}
	// The new leader syncs every SocialAccount once it leads: wait until its
	// metrics say so, then count the status writes since the upgrade began.
	waitAllSyncedAfter(t, start)
	writes := statusWrites(t, start)
	if len(writes) != 0 {
		t.Errorf("the upgrade wrote the status of unchanged SocialAccounts %d times: %v", len(writes), writes)
	}
	if n := backend.Count(boringtest.EndpointDisconnect) + backend.Count(boringtest.EndpointTokenInfo); n != 0 {
		t.Errorf("the upgrade made %d Boring calls besides listing accounts", n)
	}
	t.Logf("Boring account lists during the upgrade: %d (one credentials Secret in use)", backend.Count(boringtest.EndpointList))
}

func helmUninstall(t *testing.T) {
	ctx := context.Background()
	var before boringv1alpha1.SocialAccountList
	must(t, c.List(ctx, &before))
	backend.ResetLog()
	helm(t, "uninstall", release, "--namespace", releaseNS, "--wait", "--timeout", "2m")
	eventually(t, time.Minute, "the manager's pods gone", func() error {
		pods, err := managerPods(ctx)
		if err != nil {
			return err
		}
		if len(pods) != 0 {
			return fmt.Errorf("%d left", len(pods))
		}
		return nil
	})
	kubectl(t, "get", "crd", "socialaccounts.boring.aiagent-me.com")
	var after boringv1alpha1.SocialAccountList
	must(t, c.List(ctx, &after))
	if len(after.Items) != len(before.Items) {
		t.Errorf("%d SocialAccounts after the uninstall, %d before", len(after.Items), len(before.Items))
	}
	if reqs := backend.Requests(); len(reqs) != 0 {
		t.Errorf("the uninstall called Boring %d times: %+v", len(reqs), reqs)
	}
}

// ---------------------------------------------------------------- objects

func createCredentials(t *testing.T, ns string) {
	t.Helper()
	must(t, c.Create(context.Background(), &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "boring-session",
			Labels: map[string]string{boringv1alpha1.CredentialsLabel: "true"}},
		StringData: map[string]string{"session": session},
	}))
}

func createAccount(t *testing.T, sa *boringv1alpha1.SocialAccount) {
	t.Helper()
	sa.Spec.CredentialsRef = &boringv1alpha1.CredentialsReference{Name: "boring-session"}
	must(t, c.Create(context.Background(), sa))
}

func getAccount(t *testing.T, key client.ObjectKey) *boringv1alpha1.SocialAccount {
	t.Helper()
	sa := &boringv1alpha1.SocialAccount{}
	must(t, c.Get(context.Background(), key, sa))
	return sa
}

func waitReady(t *testing.T, key client.ObjectKey) {
	t.Helper()
	eventually(t, time.Minute, key.String()+" Ready", func() error {
		sa := &boringv1alpha1.SocialAccount{}
		if err := c.Get(context.Background(), key, sa); err != nil {
			return err
		}
		if !meta.IsStatusConditionTrue(sa.Status.Conditions, boringv1alpha1.ConditionReady) {
			return fmt.Errorf("conditions %+v", sa.Status.Conditions)
		}
		return nil
	})
}

// createPublisher runs the publisher image as a Deployment that takes the
// spring-page Secret both ways: envFrom and a mounted volume.
func createPublisher(t *testing.T, name string) {
	t.Helper()
	labels := map[string]string{"app": name}
	must(t, c.Create(context.Background(), &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: teamNS, Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(int32(1)),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					SecurityContext:               restrictedPod(),
					TerminationGracePeriodSeconds: ptr.To(int64(1)),
					Containers: []corev1.Container{{
						Name: "publisher", Image: env.publisherImage, ImagePullPolicy: corev1.PullNever,
						EnvFrom: []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{
							LocalObjectReference: corev1.LocalObjectReference{Name: "spring-page"}}}},
						SecurityContext: restrictedContainer(),
						VolumeMounts:    []corev1.VolumeMount{{Name: "account", MountPath: "/etc/boring", ReadOnly: true}},
					}},
					Volumes: []corev1.Volume{{Name: "account", VolumeSource: corev1.VolumeSource{
						Secret: &corev1.SecretVolumeSource{SecretName: "spring-page"}}}},
				},
			},
		},
	}))
}

func restrictedPod() *corev1.PodSecurityContext {
	return &corev1.PodSecurityContext{RunAsNonRoot: ptr.To(true),
		SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}}
}

func restrictedContainer() *corev1.SecurityContext {
	return &corev1.SecurityContext{AllowPrivilegeEscalation: ptr.To(false), ReadOnlyRootFilesystem: ptr.To(true),
		Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}}
}

// podOf is the running pod of a one-replica Deployment in teamNS.
func podOf(t *testing.T, app string) *corev1.Pod {
	t.Helper()
	var p *corev1.Pod
	eventually(t, time.Minute, "a running "+app+" pod", func() error {
		var err error
		p, err = runningPodOf(context.Background(), app)
		return err
	})
	return p
}

func runningPodOf(ctx context.Context, app string) (*corev1.Pod, error) {
	var pods corev1.PodList
	if err := c.List(ctx, &pods, client.InNamespace(teamNS), client.MatchingLabels{"app": app}); err != nil {
		return nil, err
	}
	var running []*corev1.Pod
	for i := range pods.Items {
		p := &pods.Items[i]
		if p.DeletionTimestamp == nil && p.Status.Phase == corev1.PodRunning {
			running = append(running, p)
		}
	}
	if len(running) != 1 {
		return nil, fmt.Errorf("%d running %s pods of %d", len(running), app, len(pods.Items))
	}
	return running[0], nil
}

// waitLog waits until the running pod of app has logged every line in want.
func waitLog(t *testing.T, app string, want ...string) {
	t.Helper()
	eventually(t, time.Minute, app+" logging "+strings.Join(want, ", "), func() error {
		p, err := runningPodOf(context.Background(), app)
		if err != nil {
			return err
		}
		out, err := runTool(env.kubectl, "logs", "-n", teamNS, p.Name)
		if err != nil {
			return fmt.Errorf("kubectl logs: %v: %s", err, out)
		}
		for _, w := range want {
			if !strings.Contains(out, w+"\n") {
				return fmt.Errorf("pod %s logged:\n%s", p.Name, out)
			}
		}
		return nil
	})
}

func managerPods(ctx context.Context) ([]corev1.Pod, error) {
	var pods corev1.PodList
	if err := c.List(ctx, &pods, client.InNamespace(releaseNS), client.MatchingLabels{"control-plane": "controller-manager"}); err != nil {
		return nil, err
	}
	var out []corev1.Pod
	for _, p := range pods.Items {
		if p.DeletionTimestamp == nil {
			out = append(out, p)
		}
	}
	return out, nil
}

func podReady(p *corev1.Pod) bool {
	for _, cond := range p.Status.Conditions {
		if cond.Type == corev1.PodReady {
			return p.Status.Phase == corev1.PodRunning && cond.Status == corev1.ConditionTrue
		}
	}
	return false
}

// leaseHolder is the pod holding the leader lease ("" when none): the
// holder identity is the pod's name, an underscore and a random suffix.
func leaseHolder(t *testing.T) string {
	t.Helper()
	lease := &coordinationv1.Lease{}
	if err := c.Get(context.Background(), client.ObjectKey{Namespace: releaseNS, Name: leaseName}, lease); err != nil {
		if apierrors.IsNotFound(err) {
			return ""
		}
		t.Fatal(err)
	}
	holder, _, _ := strings.Cut(ptr.Deref(lease.Spec.HolderIdentity, ""), "_")
	return holder
}

// disconnects counts the DELETEs of an account at the stand-in.
func disconnects(id string) int {
	n := 0
	for _, r := range backend.Requests() {
		if r.Endpoint == boringtest.EndpointDisconnect && r.Path == "/api/accounts/"+id {
			n++
		}
	}
	return n
}
