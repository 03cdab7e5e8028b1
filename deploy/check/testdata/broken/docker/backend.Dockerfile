# Deliberate mistakes: see TestContainerChecksCatchBrokenFixtures.
from golang:1.26-bookworm AS build
WORKDIR /src
COPY go.work ./
COPY dbserver/go.mod dbserver/
RUN go mod download
COPY . .
RUN go build -o /out/backend hyundai-poc.com/backend/cmd/backend

FROM debian:bookworm
COPY --from=build /out/backend /backend
USER root
ENTRYPOINT /backend
