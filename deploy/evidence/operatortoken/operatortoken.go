// Package operatortoken finds the operators' bearer token that health-check
// writes need (the backends' HEALTH_CHECK_TOKEN) in a deployment, the way
// `make deploy`'s verify step does: the health_check_token field of the
// database secret, which Secrets Manager replicates to every region.
package operatortoken

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"hyundai-poc.com/evidence/awsapi"
)

// Field is the secret's JSON field holding the token.
const Field = "health_check_token"

// Read returns the token from the secret in the first region of regions
// that answers: during a failover the primary's region may be the one
// that is down, so the caller names the surviving region first.
// secretARNs maps each region to its copy of the secret.
func Read(ctx context.Context, clients awsapi.Clients, secretARNs map[string]string, regions []string) (string, error) {
	var errs []error
	for _, r := range regions {
		arn := secretARNs[r]
		if arn == "" {
			continue
		}
		tok, err := read(ctx, clients.Secrets(r), arn)
		if err == nil {
			return tok, nil
		}
		errs = append(errs, fmt.Errorf("%s: %w", r, err))
	}
	if len(errs) == 0 {
		var have []string
		for r := range secretARNs {
			have = append(have, r)
		}
		slices.Sort(have)
		return "", fmt.Errorf("the Terraform outputs name no database secret for %v (database_secret_arns has %v): run `make deploy` to refresh them", regions, have)
	}
	return "", errors.Join(errs...)
}

func read(ctx context.Context, sm awsapi.Secrets, arn string) (string, error) {
	out, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
	if err != nil {
		return "", err
	}
	var fields map[string]any
	if err := json.Unmarshal([]byte(aws.ToString(out.SecretString)), &fields); err != nil {
		return "", fmt.Errorf("secret %s is not JSON", arn)
	}
	tok, _ := fields[Field].(string)
	if tok == "" {
		return "", fmt.Errorf("secret %s has no %s", arn, Field)
	}
	return tok, nil
}
