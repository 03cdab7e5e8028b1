#!/usr/bin/env bash
# Deploys the current commit to AWS: builds both images for the tasks' CPU
# (linux/amd64) tagged with the git SHA, pushes them to ECR in every region,
# runs the schema migration as a one-off ECS task against the writer and
# stops if it fails, then applies Terraform with that tag (the services
# roll), waits for ECS to settle, and verifies the deployment.
#
# Usage: scripts/deploy.sh [--dry-run]      (or DRY_RUN=1)
# Env:   IMAGE_TAG (default: git SHA of HEAD), AWS_ACCOUNT_ID (default: from
#        sts), TF_DIR (deploy/terraform/poc), BACKEND_CONFIG (TF_DIR/backend.hcl),
#        DOMAIN (hyundai-poc.com), PROJECT (hyundai-poc).
# A dry run prints every command, in order, and runs none of them.
set -euo pipefail
cd "$(dirname "$0")/.."

DRY_RUN="${DRY_RUN:-}"
[ "${DRY_RUN}" = 0 ] && DRY_RUN=
for arg in "$@"; do
  case "$arg" in
    --dry-run) DRY_RUN=1 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "deploy: unknown argument '$arg' (want --dry-run)" >&2; exit 2 ;;
  esac
done

PROJECT="${PROJECT:-hyundai-poc}"
DOMAIN="${DOMAIN:-hyundai-poc.com}"
TF_DIR="${TF_DIR:-deploy/terraform/poc}"
BACKEND_CONFIG="${BACKEND_CONFIG:-backend.hcl}"
SERVICES=(backend frontend)
# The task definitions pin X86_64 (runtime_platform); an image built on an
# Arm machine without this would not start there.
PLATFORM=linux/amd64
# Region -> short code used in resource names; the same map as the
# Terraform root's `regions` variable (a test keeps them equal).
REGIONS=(us-east-1 us-west-2 ap-northeast-2)
declare -A SHORT=([us-east-1]=use1 [us-west-2]=usw2 [ap-northeast-2]=apne2)

IMAGE_TAG="${IMAGE_TAG:-$(git rev-parse --short=12 HEAD 2>/dev/null || true)}"
if ! [[ "$IMAGE_TAG" =~ ^[0-9a-f]{7,40}$ ]]; then
  echo "deploy: IMAGE_TAG '$IMAGE_TAG' is not a git SHA; commit first or set IMAGE_TAG" >&2
  exit 2
fi

step() { printf '\n== %s\n' "$*"; }
# run prints a command and, unless this is a dry run, runs it.
run() {
  printf '+ %s\n' "$*"
  [ -n "$DRY_RUN" ] || eval "$@"
}

if [ -z "$DRY_RUN" ]; then
  for tool in docker aws terraform curl jq; do
    command -v "$tool" >/dev/null || { echo "deploy: $tool is not installed" >&2; exit 1; }
  done
  [ -f "$TF_DIR/$BACKEND_CONFIG" ] || {
    echo "deploy: $TF_DIR/$BACKEND_CONFIG missing; copy backend.hcl.example (see docs/deploy.md)" >&2; exit 1; }
  if [ -n "$(git status --porcelain 2>/dev/null)" ]; then
    echo "deploy: warning: the work tree has uncommitted changes; images are built from it but tagged $IMAGE_TAG" >&2
  fi
fi

step "deploying $IMAGE_TAG to ${REGIONS[*]}${DRY_RUN:+ (dry run: nothing is run)}"

if [ -z "${AWS_ACCOUNT_ID:-}" ]; then
  printf '+ %s\n' "aws sts get-caller-identity --query Account --output text"
  if [ -n "$DRY_RUN" ]; then
    AWS_ACCOUNT_ID='<account-id>'
  else
    AWS_ACCOUNT_ID="$(aws sts get-caller-identity --query Account --output text)"
  fi
fi

tf() { run terraform "-chdir=$TF_DIR" "$@"; }

step "terraform init and the image repositories"
tf init -input=false "-backend-config=$BACKEND_CONFIG"
targets=""
for region in "${REGIONS[@]}"; do targets+=" -target='module.registry[\"$region\"]'"; done
tf apply -input=false -auto-approve "-var=image_tag=$IMAGE_TAG"$targets

step "build images"
for svc in "${SERVICES[@]}"; do
  run docker build --platform "$PLATFORM" --file "deploy/docker/$svc.Dockerfile" --build-arg "COMMIT=$IMAGE_TAG" \
    --tag "$PROJECT/$svc:$IMAGE_TAG" .
done

for region in "${REGIONS[@]}"; do
  registry="$AWS_ACCOUNT_ID.dkr.ecr.$region.amazonaws.com"
  step "push to $registry"
  run "aws ecr get-login-password --region $region | docker login --username AWS --password-stdin $registry"
  for svc in "${SERVICES[@]}"; do
    # Tags are immutable: a rerun of the same commit finds them there.
    run "aws ecr describe-images --region $region --repository-name $PROJECT/$svc --image-ids imageTag=$IMAGE_TAG >/dev/null 2>&1 || { docker tag $PROJECT/$svc:$IMAGE_TAG $registry/$PROJECT/$svc:$IMAGE_TAG && docker push $registry/$PROJECT/$svc:$IMAGE_TAG; }"
  done
done

step "migrate the schema before the services roll"
# The migration task definitions (one per region, the new image) first,
# with the networks and their paths to the databases (on a first deploy the
# security group rules are not yet there otherwise); then the task runs
# once in the region that holds the writer now.
targets=" -target=module.network -target=module.peering"
for region in "${REGIONS[@]}"; do targets+=" -target='module.service[\"$region\"].aws_ecs_task_definition.migrate'"; done
tf apply -input=false -auto-approve "-var=image_tag=$IMAGE_TAG"$targets
if [ -n "$DRY_RUN" ]; then
  WRITER_REGION='<writer-region>'
  printf '+ %s\n' "aws rds describe-global-clusters --global-cluster-identifier $PROJECT (the writer's region)"
else
  writer_arn="$(aws rds describe-global-clusters --global-cluster-identifier "$PROJECT" \
    --query 'GlobalClusters[0].GlobalClusterMembers[?IsWriter].DBClusterArn | [0]' --output text)"
  WRITER_REGION="$(cut -d: -f4 <<<"$writer_arn")"
  [ -n "$WRITER_REGION" ] || { echo "deploy: no writer found in global cluster $PROJECT" >&2; exit 1; }
fi
m="terraform -chdir=$TF_DIR output -json migration | jq -r '.[\"$WRITER_REGION\"]"
run "task=\$(aws ecs run-task --region $WRITER_REGION --launch-type FARGATE --started-by deploy-$IMAGE_TAG \
  --cluster \"\$($m.cluster')\" --task-definition \"\$($m.task_definition')\" \
  --network-configuration \"awsvpcConfiguration={subnets=[\$($m.subnets | join(\",\")')],securityGroups=[\$($m.security_groups | join(\",\")')],assignPublicIp=DISABLED}\" \
  --query 'tasks[0].taskArn' --output text)"
run "aws ecs wait tasks-stopped --region $WRITER_REGION --cluster \"\$($m.cluster')\" --tasks \"\$task\""
run "code=\$(aws ecs describe-tasks --region $WRITER_REGION --cluster \"\$($m.cluster')\" --tasks \"\$task\" --query 'tasks[0].containers[0].exitCode' --output text); [ \"\$code\" = 0 ] || { echo \"deploy: migration failed (exit \$code); see /ecs/$PROJECT-*/backend logs, stream migrate/*\" >&2; exit 1; }"

step "terraform apply"
tf apply -input=false -auto-approve "-var=image_tag=$IMAGE_TAG"

step "wait for ECS services to be stable"
for region in "${REGIONS[@]}"; do
  run aws ecs wait services-stable --region "$region" --cluster "$PROJECT-${SHORT[$region]}" --services "${SERVICES[@]}"
done

step "wait for CloudFront to be deployed"
run "aws cloudfront wait distribution-deployed --id \"\$(terraform -chdir=$TF_DIR output -raw cloudfront_distribution_id)\""

step "verify"
# The health-check writes need the operator token, kept in the database secret.
run "HEALTH_CHECK_TOKEN=\"\$(aws secretsmanager get-secret-value --region ${REGIONS[0]} --secret-id $PROJECT/db --query SecretString --output text | jq -r .health_check_token)\" scripts/verify-deployment.sh --domain $DOMAIN"

step "deployed $IMAGE_TAG${DRY_RUN:+ (dry run)}"
