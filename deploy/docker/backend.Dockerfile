# syntax=docker/dockerfile:1
# The backend image. Build from the repository root so go.work resolves the
# in-repo modules:
#   docker build -f deploy/docker/backend.Dockerfile --build-arg COMMIT=$(git rev-parse --short=12 HEAD) .
ARG GO_VERSION=1.26

FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
# Module files first: the dependency download is cached until one changes.
COPY go.work ./
COPY dbserver/go.mod dbserver/go.sum* dbserver/
COPY dnsresolver/go.mod dnsresolver/go.sum* dnsresolver/
COPY reporoot/go.mod reporoot/go.sum* reporoot/
COPY redisserver/go.mod redisserver/go.sum* redisserver/
COPY migrations/go.mod migrations/go.sum* migrations/
COPY services/backend/go.mod services/backend/go.sum* services/backend/
COPY services/contract/go.mod services/contract/go.sum* services/contract/
COPY services/frontend/go.mod services/frontend/go.sum* services/frontend/
COPY services/tracing/go.mod services/tracing/go.sum* services/tracing/
COPY deploy/lab/go.mod deploy/lab/go.sum* deploy/lab/
COPY deploy/check/go.mod deploy/check/go.sum* deploy/check/
COPY deploy/evidence/go.mod deploy/evidence/go.sum* deploy/evidence/
COPY loadtest/go.mod loadtest/go.sum* loadtest/
COPY e2e/go.mod e2e/go.sum* e2e/
COPY loadtest/cmd/go.mod loadtest/cmd/go.sum* loadtest/cmd/
RUN --mount=type=cache,target=/root/go/pkg/mod go mod download
COPY . .
ARG COMMIT=unknown
RUN --mount=type=cache,target=/root/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.commit=${COMMIT}" \
      -o /out/backend hyundai-poc.com/backend/cmd/backend

# Static binary on distroless: no shell, no package manager, non-root.
FROM gcr.io/distroless/static-debian12:nonroot
ARG COMMIT=unknown
LABEL org.opencontainers.image.title="hyundai-poc backend" \
      org.opencontainers.image.source="hyundai-poc.com" \
      org.opencontainers.image.revision="${COMMIT}"
COPY --from=build /out/backend /backend
USER nonroot:nonroot
EXPOSE 3001
ENTRYPOINT ["/backend"]
