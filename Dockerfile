# For those with a Docker engine; `make image` builds the same binaries into
# OCI tarballs without one (and without pulling these base images).
# make docker-build passes VERSION, COMMIT and SOURCE_DATE_EPOCH.
FROM golang:1.26 AS builder
ARG TARGETOS
ARG TARGETARCH
ARG VERSION=dev
ARG COMMIT=unknown
ARG SOURCE_DATE_EPOCH=0

WORKDIR /workspace
# Cache dependencies before copying the sources.
COPY go.mod go.sum ./
RUN go mod download

COPY cmd/main.go cmd/main.go
COPY api/ api/
COPY internal/ internal/

# The flags of make image (GoBuildFlags in hack/tools/image, a test compares):
# static, no build paths, stamped with the release, the commit and its time.
RUN DATE=$(date -u -d "@${SOURCE_DATE_EPOCH}" +%Y-%m-%dT%H:%M:%SZ) && \
    CGO_ENABLED=0 GOOS=${TARGETOS:-linux} GOARCH=${TARGETARCH} GOAMD64=v1 GOARM64=v8.0 \
    go build -trimpath -buildvcs=false -ldflags "-s -w -X github.com/aiagent-me/boring-operator/internal/version.Version=${VERSION} -X github.com/aiagent-me/boring-operator/internal/version.Commit=${COMMIT} -X github.com/aiagent-me/boring-operator/internal/version.Date=${DATE}" \
    -o manager ./cmd

# Distroless, non-root: nothing in the image but the binary (and distroless's
# CA bundle, passwd and tzdata).
FROM gcr.io/distroless/static:nonroot
ARG VERSION=dev
ARG COMMIT=unknown
LABEL org.opencontainers.image.source="https://github.com/aiagent-me/boring-operator" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${COMMIT}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.title="boring-operator"
WORKDIR /
COPY --from=builder /workspace/manager .
USER 65532:65532

ENTRYPOINT ["/manager"]
