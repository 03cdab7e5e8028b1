FROM golang:1.26-bookworm
COPY . .
RUN CGO_ENABLED=0 go build -o /frontend hyundai-poc.com/frontend/cmd/frontend
ENTRYPOINT ["/frontend"]
