// Package secretstore reads the database password from AWS Secrets
// Manager, where a rotation changes it: the data path asks again when the
// database refuses the password it has.
package secretstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// Getter is the one Secrets Manager call the backend makes.
type Getter interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// New returns a Secrets Manager client for region with the task's role
// (the SDK's default credential chain).
func New(ctx context.Context, region string) (Getter, error) {
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(region))
	if err != nil {
		return nil, fmt.Errorf("secrets manager: %w", err)
	}
	return secretsmanager.NewFromConfig(cfg), nil
}

// Password returns a function that reads the "password" field of the JSON
// secret id (an ARN or name) through g.
func Password(g Getter, id string) func(ctx context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		out, err := g.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: &id})
		if err != nil {
			return "", fmt.Errorf("read secret: %w", err)
		}
		if out.SecretString == nil {
			return "", errors.New("read secret: no string value")
		}
		return ParsePassword(*out.SecretString)
	}
}

// ParsePassword takes the password out of the secret's JSON (the shape
// Secrets Manager's database rotation functions keep: username, password,
// engine, host, port, dbname).
func ParsePassword(secret string) (string, error) {
	var v struct {
		Password string `json:"password"`
	}
	if err := json.Unmarshal([]byte(secret), &v); err != nil {
		return "", fmt.Errorf("read secret: not JSON: %w", err)
	}
	if v.Password == "" {
		return "", errors.New("read secret: no password field")
	}
	return v.Password, nil
}
