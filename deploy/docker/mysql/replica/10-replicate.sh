# Sourced by the mysql image's entrypoint on the replica's first start:
# follow the primary by GTID auto-position, and refuse writes from every
# user (super_read_only), persisted so it holds after the restart that ends
# initialisation. Replication starts with the real server.
docker_process_sql <<EOSQL
CHANGE REPLICATION SOURCE TO
  SOURCE_HOST='${PRIMARY_HOST}', SOURCE_PORT=3306,
  SOURCE_USER='replication', SOURCE_PASSWORD='${REPLICATION_PASSWORD}',
  SOURCE_AUTO_POSITION=1, GET_SOURCE_PUBLIC_KEY=1, SOURCE_CONNECT_RETRY=2;
SET PERSIST read_only = ON;
SET PERSIST super_read_only = ON;
EOSQL
