# The release version; the image tag (and config/manager's newTag) is v$(VERSION).
VERSION ?= 0.2.0
# Image URL to use all building/pushing image targets
IMG ?= ghcr.io/aiagent-me/boring-operator:v$(VERSION)
# kubectl-boring's image; empty: IMG's with the name kubectl-boring.
CLI_IMG ?=
# What the binaries and images are stamped with: the commit, and its time
# (not the build's), so that two builds of a commit are the same image.
COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)

# Tools are pinned and built from the Go module proxy into bin/.
CONTROLLER_TOOLS_VERSION ?= v0.23.0
GOLANGCI_LINT_VERSION ?= v2.15.0
ENVTEST_K8S_VERSION ?= 1.37.2

LOCALBIN ?= $(shell pwd)/bin
CONTROLLER_GEN ?= $(LOCALBIN)/controller-gen-$(CONTROLLER_TOOLS_VERSION)
GOLANGCI_LINT ?= $(LOCALBIN)/golangci-lint-$(GOLANGCI_LINT_VERSION)
# helm and promtool are pinned in hack/tools/go.mod; the binary's name carries
# the version, so changing a pin rebuilds it.
HELM ?= $(LOCALBIN)/helm-$(call tool-version,helm.sh/helm/v3)
PROMTOOL ?= $(LOCALBIN)/promtool-$(call tool-version,github.com/prometheus/prometheus)
KUSTOMIZE ?= $(LOCALBIN)/kustomize-$(call tool-version,sigs.k8s.io/kustomize/kustomize/v5)
tool-version = $(shell cd hack/tools && go list -m -f '{{.Version}}' $(1))
# helm's default Kubernetes version (lint, template) is the one envtest runs.
K8S_MINOR = $(word 2,$(subst ., ,$(ENVTEST_K8S_VERSION)))
HELM_LDFLAGS = -X helm.sh/helm/v3/internal/version.version=$(call tool-version,helm.sh/helm/v3) \
	-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$(K8S_MINOR) \
	-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$(K8S_MINOR)

# Setting SHELL to bash allows bash commands to be executed by recipes.
SHELL = /usr/bin/env bash -o pipefail
.SHELLFLAGS = -ec

GO_TEST_FLAGS ?= -race -timeout 30m
# vet and golangci-lint build with -race too, like the tests: a package's
# compile is then shared by all three instead of done twice (with and
# without the race detector), which on a cold machine is minutes.
GO_VET_FLAGS ?= -race

.PHONY: all
all: build

##@ General

.PHONY: help
help: ## Display this help.
	@awk 'BEGIN {FS = ":.*##"; printf "\nUsage:\n  make \033[36m<target>\033[0m\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) } ' $(MAKEFILE_LIST)

##@ Development

.PHONY: manifests
manifests: controller-gen helm ## Generate the CRD and RBAC manifests from the markers, what the chart and config/ share, and docs/api-reference.md.
	$(CONTROLLER_GEN) rbac:roleName=manager-role crd paths="./..." output:crd:artifacts:config=config/crd/bases
	HELM=$(HELM) ./hack/sync-chart.sh
	go run ./hack/apiref config/crd/bases/*.yaml > docs/api-reference.md

.PHONY: generate
generate: controller-gen ## Generate DeepCopy methods.
	$(CONTROLLER_GEN) object:headerFile="hack/boilerplate.go.txt" paths="./..."

.PHONY: fmt
fmt: ## Run go fmt.
	go fmt ./...

.PHONY: vet
vet: ## Run go vet.
	go vet $(GO_VET_FLAGS) ./...

# The last step tests the container images (hack/tools/image): built as make image builds them,
# opened, run, pushed to an in-memory registry. Without -race: that package only hashes and
# compresses ~150 MB of binaries, which the race detector slows tenfold, and starts no goroutines
# of its own. Its first run compiles the binaries for linux/amd64 and linux/arm64, hence the timeout.
.PHONY: test
test: manifests generate fmt vet envtest-assets helm promtool chromium ## Run every test (envtest, the chart, the alert rules, the container images and the dashboard in Chromium included; builds the tools when missing).
	KUBEBUILDER_ASSETS="$$(./hack/envtest-assets.sh | tail -n 1)" TEST_CRDS="$$(./hack/test-crds.sh | tail -n 1)" \
		HELM=$(HELM) PROMTOOL=$(PROMTOOL) go test $(GO_TEST_FLAGS) ./...
	cd hack/tools && go test -timeout 45m ./image/...

.PHONY: bench
bench: manifests generate envtest-assets ## Run the benchmarks and write docs/benchmarks.md.
	KUBEBUILDER_ASSETS="$$(./hack/envtest-assets.sh | tail -n 1)" ./hack/bench.sh

.PHONY: bench-compare
bench-compare: manifests generate envtest-assets ## Compare the manager's convergence with REF's, taking turns (docs/benchmarks-compare.md).
	@test -n "$(REF)" || { echo "usage: make bench-compare REF=<commit>" >&2; exit 2; }
	KUBEBUILDER_ASSETS="$$(./hack/envtest-assets.sh | tail -n 1)" ./hack/bench-compare.sh "$(REF)"

.PHONY: lint
lint: golangci-lint ## Run golangci-lint.
	GOFLAGS="$$GOFLAGS $(GO_VET_FLAGS)" $(GOLANGCI_LINT) run

.PHONY: lint-fix
lint-fix: golangci-lint ## Run golangci-lint and fix what it can.
	GOFLAGS="$$GOFLAGS $(GO_VET_FLAGS)" $(GOLANGCI_LINT) run --fix

.PHONY: envtest-assets
envtest-assets: ## Ensure kube-apiserver, etcd and kubectl exist; print their folder last.
	@ENVTEST_K8S_VERSION=$(ENVTEST_K8S_VERSION) ./hack/envtest-assets.sh

.PHONY: dev
dev: manifests generate envtest-assets ## Run the whole product locally: control plane, Boring stand-in, CRDs, samples, manager.
	KUBEBUILDER_ASSETS="$$(./hack/envtest-assets.sh | tail -n 1)" go run ./cmd/dev

.PHONY: chromium
chromium: ## Install Debian's chromium for the dashboard's browser tests when missing (as root; otherwise say how).
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Debian's chromium for the dashboard's browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; \
	else \
		echo "chromium is missing and this is not root: the dashboard's browser tests will skip (and fail under CI=true); install it with: sudo apt-get install chromium"; \
	fi; }

##@ End-to-end (a real one-node cluster on this machine; root)

CLUSTER_COMPONENTS = kubelet kube-controller-manager kube-scheduler kube-proxy

.PHONY: cluster-assets
cluster-assets: envtest-assets ## Build the cluster's kubelet, kube-controller-manager, kube-scheduler and kube-proxy into bin/.
	@ENVTEST_K8S_VERSION=$(ENVTEST_K8S_VERSION) ./hack/envtest-assets.sh $(CLUSTER_COMPONENTS) >/dev/null

.PHONY: e2e-check
e2e-check:
	@./hack/cluster.sh check

.PHONY: e2e
e2e: e2e-check image helm cluster-assets ## Run the user journey (test/e2e) on a one-node cluster with the chart and the image; needs root.
	HELM=$(HELM) IMG=$(IMG) ENVTEST_K8S_VERSION=$(ENVTEST_K8S_VERSION) ./hack/e2e.sh

.PHONY: dev-cluster
dev-cluster: e2e-check image helm cluster-assets ## Leave the one-node cluster running with the chart, the seeded stand-in and a publisher; needs root.
	HELM=$(HELM) IMG=$(IMG) ENVTEST_K8S_VERSION=$(ENVTEST_K8S_VERSION) ./hack/dev-cluster.sh

.PHONY: dev-cluster-down
dev-cluster-down: ## Stop make dev-cluster's cluster and remove everything it made.
	./hack/cluster.sh down

##@ Build

.PHONY: build
build: manifests generate fmt vet ## Build the manager and the kubectl plugin (bin/manager, bin/kubectl-boring).
	go build -o bin/manager ./cmd
	go build -o bin/kubectl-boring ./cmd/kubectl-boring

.PHONY: run
run: manifests generate fmt vet ## Run the manager against the current kubeconfig.
	go run ./cmd

.PHONY: image
image: ## Build dist/boring-operator.oci.tar and dist/kubectl-boring.oci.tar (linux/amd64+arm64, no Docker needed).
	cd hack/tools && go run ./image build -C "$(CURDIR)" -out "$(CURDIR)/dist" -version $(VERSION) \
		-commit $(COMMIT) -epoch $(SOURCE_DATE_EPOCH) -image $(IMG) $(if $(CLI_IMG),-cli-image $(CLI_IMG))

.PHONY: image-push
image-push: image ## Push both images to IMG and CLI_IMG (credentials: docker login or crane auth login).
	cd hack/tools && go run ./image push -dir "$(CURDIR)/dist" -image $(IMG) $(if $(CLI_IMG),-cli-image $(CLI_IMG))

.PHONY: docker-build
docker-build: ## Build the manager image with a Docker engine (the same binary as make image's).
	docker build -t $(IMG) --build-arg VERSION=$(VERSION) --build-arg COMMIT=$(COMMIT) \
		--build-arg SOURCE_DATE_EPOCH=$(SOURCE_DATE_EPOCH) .

.PHONY: build-installer
build-installer: manifests generate kustomize ## Write dist/install.yaml (CRDs and the manager deployment).
	mkdir -p dist
	$(KUSTOMIZE) build config/default > dist/install.yaml
	@echo "wrote dist/install.yaml"

##@ Tools

.PHONY: controller-gen
controller-gen: $(CONTROLLER_GEN) ## Build controller-gen into bin/.
$(CONTROLLER_GEN):
	$(call go-install-tool,$(CONTROLLER_GEN),sigs.k8s.io/controller-tools/cmd/controller-gen,$(CONTROLLER_TOOLS_VERSION))

.PHONY: helm
helm: $(HELM) ## Build helm into bin/ (pinned in hack/tools/go.mod), and link bin/helm to it.
	@ln -sf $(notdir $(HELM)) $(LOCALBIN)/helm
$(HELM):
	$(call go-build-tool,$(HELM),helm.sh/helm/v3/cmd/helm,,$(HELM_LDFLAGS))

.PHONY: promtool
promtool: $(PROMTOOL) ## Build promtool into bin/ (pinned in hack/tools/go.mod; without service discovery plugins).
$(PROMTOOL):
	$(call go-build-tool,$(PROMTOOL),github.com/prometheus/prometheus/cmd/promtool,remove_all_sd,)

.PHONY: kustomize
kustomize: $(KUSTOMIZE) ## Build kustomize into bin/ (pinned in hack/tools/go.mod).
$(KUSTOMIZE):
	$(call go-build-tool,$(KUSTOMIZE),sigs.k8s.io/kustomize/kustomize/v5,,)

.PHONY: golangci-lint
golangci-lint: $(GOLANGCI_LINT) ## Build golangci-lint into bin/.
$(GOLANGCI_LINT):
	$(call go-install-tool,$(GOLANGCI_LINT),github.com/golangci/golangci-lint/v2/cmd/golangci-lint,$(GOLANGCI_LINT_VERSION))

# go-install-tool installs a pinned Go tool into bin/ with its version in the name,
# so changing a pin rebuilds it and nothing else.
# $1 - target path with name of binary; $2 - package url; $3 - version
define go-install-tool
@[ -f "$(1)" ] || { \
set -e; \
package=$(2)@$(3) ;\
echo "Installing $${package}" ;\
rm -f $(1) || true ;\
GOBIN=$(LOCALBIN) go install $${package} ;\
mv $(LOCALBIN)/$$(basename "$(2)") $(1) ;\
}
endef

# go-build-tool builds a main package pinned by the tools module hack/tools
# (kept apart from the operator's go.mod) into bin/, with the flags envtest's
# binaries are built with so that the Go build cache is shared between them.
# $1 - target path; $2 - package; $3 - build tags; $4 - extra -ldflags
define go-build-tool
@[ -f "$(1)" ] || { \
set -e; \
echo "Building $(2) (hack/tools/go.mod) into $(1)" ;\
cd hack/tools && CGO_ENABLED=0 go build -trimpath -tags "$(3)" -ldflags "-s -w $(4)" -o "$(1).tmp" $(2) ;\
mv "$(1).tmp" "$(1)" ;\
}
endef
