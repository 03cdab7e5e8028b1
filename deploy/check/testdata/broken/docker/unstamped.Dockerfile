# Deliberate mistake: the binary is built without the commit.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /out/backend hyundai-poc.com/backend/cmd/backend

FROM scratch
COPY --from=build /out/backend /backend
