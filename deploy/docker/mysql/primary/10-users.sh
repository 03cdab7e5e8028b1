# Sourced by the mysql image's entrypoint on the primary's first start (it
# provides docker_process_sql). The binary log is on, so the replica gets
# the schema and both users by GTID. The application's user has rights on
# its schema only: no SUPER, so read_only stops it like any client.
docker_process_sql <<EOSQL
CREATE DATABASE IF NOT EXISTS \`${APP_DB_NAME}\`;
CREATE USER IF NOT EXISTS '${APP_DB_USER}'@'%' IDENTIFIED BY '${APP_DB_PASSWORD}';
GRANT ALL PRIVILEGES ON \`${APP_DB_NAME}\`.* TO '${APP_DB_USER}'@'%';
CREATE USER IF NOT EXISTS 'replication'@'%' IDENTIFIED BY '${REPLICATION_PASSWORD}';
GRANT REPLICATION SLAVE ON *.* TO 'replication'@'%';
EOSQL
