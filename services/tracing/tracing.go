// Package tracing installs OpenTelemetry tracing the same way in both
// services; each service calls Setup once in main.
package tracing

import (
	"context"
	"fmt"
	"os"
	"strings"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
)

// Setup installs the global tracer provider chosen by
// OTEL_TRACES_EXPORTER: "none" or unset (the default: no spans leave the
// process), "otlp" (OTLP over HTTP, configured by OTEL_EXPORTER_OTLP_*), or
// "console" (JSON on stderr). The W3C trace-context propagator is always
// installed, so traceparent flows in and out even when nothing is exported.
// The returned function flushes and stops the exporter.
func Setup(ctx context.Context, service, region string) (func(context.Context) error, error) {
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	var exp sdktrace.SpanExporter
	var err error
	switch v := strings.TrimSpace(os.Getenv("OTEL_TRACES_EXPORTER")); v {
	case "", "none":
		return func(context.Context) error { return nil }, nil
	case "otlp":
		exp, err = otlptracehttp.New(ctx)
	case "console":
		exp, err = stdouttrace.New(stdouttrace.WithWriter(os.Stderr))
	default:
		return nil, fmt.Errorf("OTEL_TRACES_EXPORTER: %q is not one of none, otlp, console", v)
	}
	if err != nil {
		return nil, fmt.Errorf("trace exporter: %w", err)
	}
	name := service
	if v := os.Getenv("OTEL_SERVICE_NAME"); v != "" {
		name = v
	}
	res, err := resource.Merge(resource.Default(), resource.NewWithAttributes(semconv.SchemaURL,
		semconv.ServiceName(name), semconv.CloudRegion(region)))
	if err != nil {
		res = resource.Default()
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	otel.SetTracerProvider(tp)
	return tp.Shutdown, nil
}
