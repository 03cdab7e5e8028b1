package secretstore

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// fakeSecretsManager answers GetSecretValue from memory, as Secrets
// Manager would for one secret.
type fakeSecretsManager struct {
	id, value string
}

func (f fakeSecretsManager) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	if in.SecretId == nil || *in.SecretId != f.id {
		return nil, errors.New("ResourceNotFoundException")
	}
	return &secretsmanager.GetSecretValueOutput{SecretString: &f.value}, nil
}

func TestPassword(t *testing.T) {
	g := fakeSecretsManager{id: "arn:db", value: `{"engine":"mysql","username":"marketing_admin","password":"s3cret","host":"h","port":3306}`}
	pw, err := Password(g, "arn:db")(context.Background())
	if err != nil || pw != "s3cret" {
		t.Fatalf("password %q, %v", pw, err)
	}
	if _, err := Password(g, "arn:other")(context.Background()); err == nil {
		t.Error("a missing secret gave no error")
	}
	for _, bad := range []string{`not json`, `{"username":"x"}`, `{"password":""}`} {
		if _, err := ParsePassword(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
