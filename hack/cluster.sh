#!/usr/bin/env bash
# A real one-node Kubernetes cluster on this machine, for make e2e and make
# dev-cluster: etcd, kube-apiserver, kube-controller-manager, kube-scheduler,
# kubelet and kube-proxy built from the Go module proxy (hack/envtest), and
# Debian's containerd, runc and CNI plugins. Needs root.
#
#   hack/cluster.sh check      fail with one line when the cluster cannot run here
#   hack/cluster.sh up         build what is missing, start, wait for a Ready node
#   hack/cluster.sh down       stop everything up started and undo its changes
#   hack/cluster.sh import T   import an image tarball (OCI layout or docker) into containerd
#   hack/cluster.sh test-images build and import the publisher and busybox images the pods run
#   hack/cluster.sh logs DIR   copy every component's log to DIR
#   hack/cluster.sh kubeconfig print the admin kubeconfig's path
#   hack/cluster.sh env        print the E2E_* variables test/e2e reads
#   hack/cluster.sh cert N S   write a serving pair N signed by the cluster CA for the SANs S
#
# Network: everything listens on loopback or on a bridge this script creates
# (boring0, 10.88.0.1/16) before the API server starts. The API server
# advertises that address, the kubelet uses it as the node IP, and pods reach
# the host (a Boring stand-in, say) there. The machine's own interfaces are
# never a target.
#
# State (certificates, configs, logs, containerd's and the kubelet's folders)
# lives in one folder, $CLUSTER_STATE (default /var/lib/boring-operator-e2e).
# down stops every process by the PID up recorded, unmounts what lies under
# the state folder, removes the bridge, the pods' network namespaces, the
# iptables chains of kube-proxy, the kubelet and CNI, and restores the
# sysctls the components change. down is safe after a failed or partial up,
# and up runs down first when an earlier cluster was left behind.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
k8s_version=${ENVTEST_K8S_VERSION:-1.37.2}
state=${CLUSTER_STATE:-/var/lib/boring-operator-e2e}
bin=$root/bin/k8s/$k8s_version

bridge=boring0
bridge_ip=10.88.0.1
pod_cidr=10.88.0.0/16
service_cidr=10.96.0.0/16
service_ip=10.96.0.1
node=boring-e2e
apiserver_port=6443
etcd_port=23790
# The kubelet's pod cgroups (cgroupfs driver, default cgroup root).
cgroup_root=/kubepods
pause_image=localhost/boring-e2e/pause:1
# The pods' images (test-images): the e2e publisher, and Debian's static
# busybox as the busybox the getting-started page's pod runs.
publisher_image=localhost/boring-e2e/publisher:1
busybox_image=docker.io/library/busybox:1.35
components=(kubelet kube-controller-manager kube-scheduler kube-proxy)
# Host sysctls the kubelet, kube-proxy and the CNI bridge plugin may change.
sysctls=(kernel.panic kernel.panic_on_oops vm.overcommit_memory vm.panic_on_oom
	kernel.keys.root_maxkeys kernel.keys.root_maxbytes net.ipv4.ip_forward
	net.ipv4.conf.all.route_localnet net.bridge.bridge-nf-call-iptables
	net.bridge.bridge-nf-call-ip6tables net.netfilter.nf_conntrack_max
	net.netfilter.nf_conntrack_tcp_timeout_established net.netfilter.nf_conntrack_tcp_timeout_close_wait)

log() { echo "cluster: $*" >&2; }
die() {
	echo "cluster: $*" >&2
	exit 1
}

# missing_packages prints the Debian packages the cluster needs and lacks.
missing_packages() {
	command -v containerd >/dev/null || echo containerd
	command -v runc >/dev/null || echo runc
	[ -x /usr/lib/cni/bridge ] || echo containernetworking-plugins
	command -v iptables >/dev/null || echo iptables
	command -v conntrack >/dev/null || echo conntrack
	command -v openssl >/dev/null || echo openssl
	command -v ip >/dev/null || echo iproute2
	command -v curl >/dev/null || echo curl
	# Not the cluster's: the getting-started page's pod runs busybox (test-images).
	[ -x /bin/busybox ] || echo busybox-static
}

# check fails with one line when the cluster cannot run here.
check() {
	[ "$(uname -s)" = Linux ] || die "cannot run: needs Linux"
	[ "$(id -u)" -eq 0 ] || die "cannot run: needs root (it runs a kubelet, containerd and iptables rules)"
	if [ -n "$(missing_packages)" ] && ! command -v apt-get >/dev/null; then
		die "cannot run: missing $(missing_packages | tr '\n' ' ')and no apt-get to install them"
	fi
}

# preflight installs the Debian packages that are missing.
preflight() {
	check
	local missing apt_log
	missing=$(missing_packages | tr '\n' ' ')
	[ -n "$missing" ] || return 0
	log "installing $missing with apt-get"
	apt_log=$(mktemp)
	# shellcheck disable=SC2086 # one word per package
	(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing) >"$apt_log" 2>&1 ||
		die "apt-get install $missing failed (log: $apt_log)"
	rm -f "$apt_log"
}

# ---------------------------------------------------------------- certificates

# cert NAME CN [O] [SANS]: a key and a certificate signed by the cluster CA.
cert() {
	local name=$1 cn=$2 org=${3:-} sans=${4:-} subj
	subj="/CN=$cn"
	[ -z "$org" ] || subj="/O=$org$subj"
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$state/pki/$name.key" 2>/dev/null
	openssl req -new -key "$state/pki/$name.key" -subj "$subj" -out "$state/pki/$name.csr" 2>/dev/null
	{
		echo "basicConstraints=CA:FALSE"
		echo "keyUsage=critical,digitalSignature,keyEncipherment"
		echo "extendedKeyUsage=serverAuth,clientAuth"
		[ -z "$sans" ] || echo "subjectAltName=$sans"
	} >"$state/pki/$name.ext"
	openssl x509 -req -in "$state/pki/$name.csr" -CA "$state/pki/ca.crt" -CAkey "$state/pki/ca.key" -CAcreateserial \
		-days 7 -sha256 -extfile "$state/pki/$name.ext" -out "$state/pki/$name.crt" 2>/dev/null
	rm -f "$state/pki/$name.csr" "$state/pki/$name.ext"
}

# kubeconfig NAME: a kubeconfig for the client certificate NAME.
kubeconfig() {
	local name=$1
	cat >"$state/$name.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: boring-e2e
  cluster:
    server: https://$bridge_ip:$apiserver_port
    certificate-authority: $state/pki/ca.crt
users:
- name: $name
  user:
    client-certificate: $state/pki/$name.crt
    client-key: $state/pki/$name.key
contexts:
- name: boring-e2e
  context: {cluster: boring-e2e, user: $name}
current-context: boring-e2e
EOF
}

write_pki() {
	mkdir -p "$state/pki"
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$state/pki/ca.key" 2>/dev/null
	openssl req -x509 -new -key "$state/pki/ca.key" -subj "/CN=boring-e2e-ca" -days 7 -sha256 \
		-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
		-out "$state/pki/ca.crt" 2>/dev/null
	cert apiserver kube-apiserver "" \
		"IP:$bridge_ip,IP:$service_ip,IP:127.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:localhost"
	cert apiserver-kubelet-client kube-apiserver-kubelet-client system:masters
	cert admin admin system:masters
	cert controller-manager system:kube-controller-manager
	cert scheduler system:kube-scheduler
	cert proxy system:kube-proxy
	cert kubelet "system:node:$node" system:nodes
	cert kubelet-serving "$node" "" "IP:$bridge_ip,DNS:$node"
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$state/pki/sa.key" 2>/dev/null
	openssl pkey -in "$state/pki/sa.key" -pubout -out "$state/pki/sa.pub" 2>/dev/null
	for name in admin controller-manager scheduler proxy kubelet; do
		kubeconfig "$name"
	done
}

# ---------------------------------------------------------------- configs

write_configs() {
	mkdir -p "$state/containerd" "$state/cni/net.d" "$state/kubelet" "$state/pod-logs" "$state/logs"
	cat >"$state/containerd/config.toml" <<EOF
version = 2
root = "$state/containerd/root"
state = "$state/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs",
  "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = "$state/containerd/containerd.sock"

[plugins."io.containerd.internal.v1.opt"]
  path = "$state/containerd/opt"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$pause_image"
  # Root here lacks CAP_SYS_RESOURCE: a negative OOM score adjustment fails
  # every sandbox ("can't get final child's PID from pipe").
  restrict_oom_score_adj = true
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$state/cni/net.d"
EOF
	# Pods get no default route: they reach the bridge network (the host at
	# $bridge_ip, the other pods) and the Services, nothing else.
	cat >"$state/cni/net.d/10-boring-e2e.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "boring-e2e",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$bridge",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{"subnet": "$pod_cidr", "gateway": "$bridge_ip"}]],
        "routes": [{"dst": "$service_cidr", "gw": "$bridge_ip"}],
        "dataDir": "$state/cni/ipam"
      }
    }
  ]
}
EOF
	cat >"$state/kubelet/config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $bridge_ip
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: false}
  x509: {clientCAFile: $state/pki/ca.crt}
authorization: {mode: AlwaysAllow}
tlsCertFile: $state/pki/kubelet-serving.crt
tlsPrivateKeyFile: $state/pki/kubelet-serving.key
containerRuntimeEndpoint: unix://$state/containerd/containerd.sock
cgroupDriver: cgroupfs
# The host has cgroup v1.
failCgroupV1: false
failSwapOn: false
podLogsDir: $state/pod-logs
clusterDomain: cluster.local
resolvConf: /etc/resolv.conf
serializeImagePulls: false
# Imported images cannot be pulled again: never collect them.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard:
  memory.available: "50Mi"
  nodefs.available: "1%"
  nodefs.inodesFree: "1%"
  imagefs.available: "1%"
syncFrequency: 10s
fileCheckFrequency: 10s
EOF
	cat >"$state/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection:
  kubeconfig: $state/proxy.kubeconfig
mode: iptables
hostnameOverride: $node
bindAddress: $bridge_ip
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
clusterCIDR: $pod_cidr
nodePortAddresses: ["$bridge_ip/32"]
iptables:
  # Service traffic leaves the host from the bridge address, so answers
  # come back through the host's conntrack entry.
  masqueradeAll: true
# Zero leaves the host's conntrack sysctls alone.
conntrack:
  maxPerCore: 0
  min: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
EOF
	cat >"$state/audit-policy.yaml" <<EOF
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: Metadata
  verbs: [create, update, patch, delete]
  resources:
  - group: boring.aiagent-me.com
    resources: [socialaccounts, socialaccounts/status]
- level: None
EOF
}

# ---------------------------------------------------------------- processes

# start NAME CMD...: runs a component in the background, recording its PID.
start() {
	local name=$1
	shift
	setsid "$@" >"$state/logs/$name.log" 2>&1 </dev/null &
	echo $! >"$state/pids/$name"
}

# wait_for WHAT SECONDS CMD...: retries CMD until it succeeds.
wait_for() {
	local what=$1 timeout=$2 i
	shift 2
	for ((i = 0; i < timeout * 5; i++)); do
		if "$@" >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.2
	done
	die "timed out after ${timeout}s waiting for $what (logs: $state/logs)"
}

kubectl_admin() { "$bin/kubectl" --kubeconfig "$state/admin.kubeconfig" "$@"; }

save_sysctls() {
	: >"$state/sysctls"
	local key
	for key in "${sysctls[@]}"; do
		if value=$(sysctl -n "$key" 2>/dev/null); then
			printf '%s\t%s\n' "$key" "$value" >>"$state/sysctls"
		fi
	done
}

up() {
	preflight
	if [ -e "$state" ]; then
		log "an earlier cluster left $state behind: taking it down first"
		down
	fi
	log "building what is missing into bin/"
	"$root/hack/envtest-assets.sh" "${components[@]}" >/dev/null
	for name in etcd kube-apiserver kubectl "${components[@]}"; do
		[ -x "$bin/$name" ] || die "missing $bin/$name"
	done
	[ -z "$(ip -o route show "$pod_cidr"; ip -o -4 addr show to "$pod_cidr")" ] ||
		die "$pod_cidr is already in use on this machine"

	mkdir -p "$state/pids" "$state/logs"
	save_sysctls
	[ -d /run/netns ] || touch "$state/created-run-netns"
	ls -d /run/netns/cni-* >"$state/netns.before" 2>/dev/null || true
	[ -d /var/log/containers ] || touch "$state/created-var-log-containers"
	[ -d /var/lib/cni ] || touch "$state/created-var-lib-cni"
	[ -d /run/containerd ] || touch "$state/created-run-containerd"
	write_pki
	write_configs

	ip link add "$bridge" type bridge
	ip addr add "$bridge_ip/16" dev "$bridge"
	ip link set "$bridge" up

	start containerd containerd --config "$state/containerd/config.toml"
	start etcd "$bin/etcd" --name boring-e2e --data-dir "$state/etcd" \
		--listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
		--listen-peer-urls "http://127.0.0.1:$((etcd_port + 1))" --initial-advertise-peer-urls "http://127.0.0.1:$((etcd_port + 1))" \
		--initial-cluster "boring-e2e=http://127.0.0.1:$((etcd_port + 1))" \
		--unsafe-no-fsync --quota-backend-bytes 1073741824
	wait_for etcd 30 curl -fsS "http://127.0.0.1:$etcd_port/health"

	start kube-apiserver "$bin/kube-apiserver" \
		--etcd-servers "http://127.0.0.1:$etcd_port" \
		--bind-address "$bridge_ip" --advertise-address "$bridge_ip" --secure-port "$apiserver_port" \
		--tls-cert-file "$state/pki/apiserver.crt" --tls-private-key-file "$state/pki/apiserver.key" \
		--client-ca-file "$state/pki/ca.crt" \
		--kubelet-client-certificate "$state/pki/apiserver-kubelet-client.crt" \
		--kubelet-client-key "$state/pki/apiserver-kubelet-client.key" \
		--kubelet-preferred-address-types InternalIP \
		--service-account-issuer https://kubernetes.default.svc.cluster.local \
		--service-account-key-file "$state/pki/sa.pub" --service-account-signing-key-file "$state/pki/sa.key" \
		--service-cluster-ip-range "$service_cidr" \
		--authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction \
		--allow-privileged=true \
		--audit-policy-file "$state/audit-policy.yaml" --audit-log-path "$state/logs/audit.log" \
		--audit-log-maxbackup 1 --audit-log-maxsize 100
	wait_for kube-apiserver 90 kubectl_admin get --raw /readyz

	start kube-controller-manager "$bin/kube-controller-manager" \
		--kubeconfig "$state/controller-manager.kubeconfig" \
		--authentication-kubeconfig "$state/controller-manager.kubeconfig" \
		--authorization-kubeconfig "$state/controller-manager.kubeconfig" \
		--bind-address 127.0.0.1 --leader-elect=false --use-service-account-credentials \
		--service-account-private-key-file "$state/pki/sa.key" --root-ca-file "$state/pki/ca.crt" \
		--cluster-signing-cert-file "$state/pki/ca.crt" --cluster-signing-key-file "$state/pki/ca.key" \
		--service-cluster-ip-range "$service_cidr"
	start kube-scheduler "$bin/kube-scheduler" \
		--kubeconfig "$state/scheduler.kubeconfig" \
		--authentication-kubeconfig "$state/scheduler.kubeconfig" \
		--authorization-kubeconfig "$state/scheduler.kubeconfig" \
		--bind-address 127.0.0.1 --leader-elect=false

	wait_for containerd 30 ctr_ version
	import_image "$(build_pause)"

	start kubelet "$bin/kubelet" --config "$state/kubelet/config.yaml" \
		--kubeconfig "$state/kubelet.kubeconfig" --root-dir "$state/kubelet" \
		--hostname-override "$node" --node-ip "$bridge_ip"
	start kube-proxy "$bin/kube-proxy" --config "$state/kube-proxy.yaml"

	wait_for "node $node Ready" 120 node_ready
	wait_for "the default ServiceAccount" 60 kubectl_admin -n default get serviceaccount default
	log "ready: export KUBECONFIG=$state/admin.kubeconfig"
}

node_ready() {
	[ "$(kubectl_admin get node "$node" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}')" = True ]
}

ctr_() { ctr --address "$state/containerd/containerd.sock" -n k8s.io "$@"; }

# build_pause builds the sandbox image and prints its tarball.
build_pause() {
	mkdir -p "$state/images"
	(cd "$root/hack/tools" && go run ./testimage -main ./testimage/pause -image "$pause_image" \
		-out "$state/images/pause.tar") >&2
	echo "$state/images/pause.tar"
}

import_image() {
	ctr_ images import "$1" >/dev/null ||
		die "importing $1 failed"
}

# test_images builds and imports the images the test pods run.
test_images() {
	mkdir -p "$state/images"
	(cd "$root/hack/tools" &&
		go run ./testimage -main ./testimage/publisher -image "$publisher_image" -out "$state/images/publisher.tar" &&
		go run ./testimage -busybox /bin/busybox -image "$busybox_image" -out "$state/images/busybox.tar") >&2
	import_image "$state/images/publisher.tar"
	import_image "$state/images/busybox.tar"
}

# ---------------------------------------------------------------- teardown

# stop NAME: ends the process up recorded, and waits for it.
stop() {
	local file=$state/pids/$1 pid i
	[ -f "$file" ] || return 0
	pid=$(cat "$file")
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		for ((i = 0; i < 50; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.2
		done
		kill -KILL "$pid" 2>/dev/null || true
	fi
	rm -f "$file"
}

# kill_pods_and_shims ends every process whose arguments name containerd's
# state folder (containerd's shims, which leave containerd's process group)
# and every process in the pods' cgroups.
kill_pods_and_shims() {
	local pid pids=() cg i
	for cg in /sys/fs/cgroup/*"$cgroup_root"; do
		[ -d "$cg" ] || continue
		while read -r pid; do
			[ -n "$pid" ] && pids+=("$pid")
		done < <(find "$cg" -name cgroup.procs -exec cat {} + 2>/dev/null)
	done
	for pid in /proc/[0-9]*; do
		pid=${pid#/proc/}
		if { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -qF -- "$state/containerd"; then
			pids+=("$pid")
		fi
	done
	[ ${#pids[@]} -gt 0 ] || return 0
	kill -KILL "${pids[@]}" 2>/dev/null || true
	for ((i = 0; i < 50; i++)); do
		kill -0 "${pids[@]}" 2>/dev/null || return 0
		sleep 0.1
	done
}

remove_cgroups() {
	local cg i left
	# A killed process leaves its cgroup a moment after the signal: retry.
	for ((i = 0; i < 50; i++)); do
		left=
		for cg in /sys/fs/cgroup/*"$cgroup_root"; do
			[ -d "$cg" ] || continue
			# Children before parents.
			find "$cg" -depth -type d -exec rmdir {} \; 2>/dev/null || true
			[ ! -d "$cg" ] || left=1
		done
		[ -n "$left" ] || return 0
		sleep 0.1
	done
	log "could not remove the pods' cgroups: $(echo /sys/fs/cgroup/*"$cgroup_root")"
	down_failed=1
}

unmount_state() {
	local mnt i
	for ((i = 0; i < 5; i++)); do
		mapfile -t mounts < <(awk -v s="$state" 'index($2, s) == 1 { print $2 }' /proc/self/mounts | sort -r)
		[ ${#mounts[@]} -gt 0 ] || return 0
		for mnt in "${mounts[@]}"; do
			umount "$(printf '%b' "$mnt")" 2>/dev/null || umount -l "$(printf '%b' "$mnt")" 2>/dev/null || true
		done
	done
}

remove_netns() {
	local ns
	[ -f "$state/netns.before" ] || return 0
	for ns in /run/netns/cni-*; do
		[ -e "$ns" ] || continue
		grep -qxF "$ns" "$state/netns.before" && continue
		umount "$ns" 2>/dev/null || true
		rm -f "$ns"
	done
	if [ -f "$state/created-run-netns" ] && [ -d /run/netns ]; then
		rmdir /run/netns 2>/dev/null || true
	fi
}

# remove_iptables drops every rule and chain of kube-proxy, the kubelet and
# the CNI plugins, in every table, for IPv4 and IPv6.
remove_iptables() {
	local cmd table chain
	if [ -x "$bin/kube-proxy" ]; then
		"$bin/kube-proxy" --cleanup >"$state/logs/kube-proxy-cleanup.log" 2>&1 || true
	fi
	for cmd in iptables ip6tables; do
		command -v "$cmd" >/dev/null || continue
		for table in filter nat mangle raw; do
			"$cmd" -t "$table" -S >/dev/null 2>&1 || continue
			# Rules that jump to our chains, then the chains.
			"$cmd" -t "$table" -S | awk '/^-A .* -j (KUBE-|CNI-)/ { sub(/^-A/, "-D"); print }' | while read -r rule; do
				eval "$cmd -t $table $rule" 2>/dev/null || true
			done
			for chain in $("$cmd" -t "$table" -S | awk '/^-N (KUBE-|CNI-)/ { print $2 }'); do
				"$cmd" -t "$table" -F "$chain" 2>/dev/null || true
			done
			for chain in $("$cmd" -t "$table" -S | awk '/^-N (KUBE-|CNI-)/ { print $2 }'); do
				"$cmd" -t "$table" -X "$chain" 2>/dev/null || true
			done
		done
	done
}

restore_sysctls() {
	local key value
	[ -f "$state/sysctls" ] || return 0
	while IFS=$'\t' read -r key value; do
		[ "$(sysctl -n "$key" 2>/dev/null)" = "$value" ] || sysctl -qw "$key=$value" >/dev/null 2>&1 || true
	done <"$state/sysctls"
}

down() {
	[ -e "$state" ] || return 0
	[ "$(id -u)" -eq 0 ] || die "needs root"
	local name
	# The kubelet first, so it does not restart what is being stopped.
	for name in standin kubelet kube-proxy kube-scheduler kube-controller-manager kube-apiserver etcd containerd; do
		stop "$name"
	done
	kill_pods_and_shims
	remove_cgroups
	unmount_state
	remove_netns
	if ip link show "$bridge" >/dev/null 2>&1; then
		ip link delete "$bridge"
	fi
	remove_iptables
	restore_sysctls
	# The kubelet links container logs here, into the state folder.
	if [ -d /var/log/containers ]; then
		find /var/log/containers -maxdepth 1 -type l -lname "$state/*" -delete
		[ ! -f "$state/created-var-log-containers" ] || rmdir /var/log/containers 2>/dev/null || true
	fi
	[ ! -f "$state/created-var-lib-cni" ] || rm -rf /var/lib/cni
	# containerd's shims and runc keep state under /run/containerd whatever
	# the configuration says: remove it when up made it and no other
	# containerd runs.
	if [ -f "$state/created-run-containerd" ] && ! pgrep -x containerd >/dev/null; then
		rm -rf /run/containerd
	fi
	unmount_state
	rm -rf "$state"
	[ -z "${down_failed:-}" ] || die "down left something behind (see above)"
	log "down"
}

# ---------------------------------------------------------------- main

case ${1:-} in
check)
	check
	;;
up)
	up
	;;
down)
	down
	;;
import)
	[ -n "${2:-}" ] || die "usage: $0 import TARBALL"
	import_image "$2"
	;;
test-images)
	test_images
	;;
logs)
	[ -n "${2:-}" ] || die "usage: $0 logs DIR"
	mkdir -p "$2"
	cp "$state"/logs/*.log "$2"/ 2>/dev/null || true
	;;
kubeconfig)
	echo "$state/admin.kubeconfig"
	;;
cert)
	[ -n "${3:-}" ] || die "usage: $0 cert NAME SANS"
	cert "$2" "$2" "" "$3"
	echo "$state/pki/$2.crt $state/pki/$2.key"
	;;
env)
	echo "E2E_KUBECONFIG=$state/admin.kubeconfig E2E_HOST_IP=$bridge_ip E2E_AUDIT_LOG=$state/logs/audit.log E2E_PUBLISHER_IMAGE=$publisher_image"
	;;
*)
	echo "usage: $0 check|up|down|import TARBALL|test-images|logs DIR|kubeconfig|env|cert NAME SANS" >&2
	exit 2
	;;
esac
