#!/usr/bin/env bash
# make dev-cluster: the one-node cluster of hack/cluster.sh left running with
# the chart installed from this checkout (image from make image), the Boring
# stand-in seeded like make dev, the sample SocialAccounts, and a publisher
# Deployment that prints the account ID it takes from a SocialAccount's
# Secret (env and mounted file). make dev-cluster-down removes everything.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
k8s_version=${ENVTEST_K8S_VERSION:-1.37.2}
: "${HELM:?set HELM to the helm binary}"
HELM=$(realpath "$HELM")
: "${IMG:?set IMG to the manager image make image built}"
image_tar=${IMAGE_TAR:-dist/boring-operator.oci.tar}
kubectl=$root/bin/k8s/$k8s_version/kubectl
# Not marketing: that namespace is getting-started's, for a reader to follow
# the page on this cluster.
ns=samples

./hack/cluster.sh up
ok=
trap '[ -n "$ok" ] || ./hack/cluster.sh down' EXIT
eval "$(./hack/cluster.sh env)"
export KUBECONFIG=$E2E_KUBECONFIG
state=$(dirname "$KUBECONFIG")

./hack/cluster.sh test-images
./hack/cluster.sh import "$image_tar"

go build -o "$state/standin" ./cmd/dev
setsid "$state/standin" -standin "$E2E_HOST_IP:18080" >"$state/logs/standin.log" 2>&1 </dev/null &
echo $! >"$state/pids/standin"

svc=boring-operator-account-api.boring-system.svc
read -r crt key < <(./hack/cluster.sh cert account-api "DNS:$svc,DNS:boring-operator-account-api.boring-system")
"$kubectl" create namespace boring-system
"$kubectl" -n boring-system create secret tls boring-operator-account-api-server-cert --cert "$crt" --key "$key"
"$HELM" install boring-operator charts/boring-operator --namespace boring-system --wait --timeout 3m \
	--set image.repository="${IMG%:*}" --set image.tag="${IMG##*:}" --set image.pullPolicy=Never \
	--set boring.url="http://$E2E_HOST_IP:18080" \
	--set accountAPI.tls.certManager.enabled=false --set defaultCredentials.secretName=

"$kubectl" create namespace "$ns"
"$kubectl" -n "$ns" create secret generic boring-session --from-literal=session=demo-session-not-a-real-secret
"$kubectl" -n "$ns" label secret boring-session boring.aiagent-me.com/credentials=true
for f in config/samples/boring_v1alpha1_*.yaml; do
	"$kubectl" -n "$ns" apply -f "$f"
done
"$kubectl" -n "$ns" apply -f - <<YAML
apiVersion: apps/v1
kind: Deployment
metadata:
  name: publisher
spec:
  replicas: 1
  selector:
    matchLabels: {app: publisher}
  template:
    metadata:
      labels: {app: publisher}
    spec:
      securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
      containers:
      - name: publisher
        image: $E2E_PUBLISHER_IMAGE
        imagePullPolicy: Never
        envFrom:
        - secretRef: {name: client-a-instagram}
        volumeMounts:
        - {name: account, mountPath: /etc/boring, readOnly: true}
        securityContext:
          allowPrivilegeEscalation: false
          readOnlyRootFilesystem: true
          capabilities: {drop: [ALL]}
      volumes:
      - name: account
        secret: {secretName: client-a-instagram}
YAML
"$kubectl" -n "$ns" wait --for=condition=Ready socialaccount/client-a-instagram --timeout=2m >/dev/null
"$kubectl" -n "$ns" rollout status deployment/publisher --timeout=2m >/dev/null
ok=1

cat <<EOF2

A one-node cluster runs boring-operator (chart from this checkout, two replicas) against a
Boring stand-in seeded like make dev. Paste into another terminal:

  export KUBECONFIG=$KUBECONFIG
  alias kubectl=$kubectl
  kubectl get socialaccounts -n $ns
  kubectl logs -n $ns deployment/publisher      # the account ID, from envFrom and the mounted Secret
  kubectl get pods -n boring-system

To follow docs/getting-started.md on this cluster, start at its Step 3 (the image and the chart are
in place) with the stand-in in place of Boring: first

  export BORING_URL=http://$E2E_HOST_IP:18080       # kubectl boring asks the stand-in

and at Step 4, paste the stand-in's session newcomer-session-not-a-real-secret at the prompt.

make dev-cluster-down stops and removes everything.
EOF2
