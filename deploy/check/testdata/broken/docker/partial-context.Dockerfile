# Deliberate mistake: go.work names modules whose go.mod is not copied
# before the first go command.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.work ./
COPY services/backend/go.mod services/backend/
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -o /out/backend hyundai-poc.com/backend/cmd/backend

FROM scratch
COPY --from=build /out/backend /backend
