#!/usr/bin/env bash
# Runs once, on the first start of an empty data volume (docker-entrypoint-initdb.d), after the root
# password is set. A shell script rather than a .sql file only so that the passwords come from the
# environment (MYSQL_DEBEZIUM_PASSWORD, MYSQL_DBTWIN_PASSWORD) instead of being written here.
# Works whether the entrypoint runs it or sources it: it only calls the mysql client.
set -euo pipefail

MYSQL_PWD="${MYSQL_ROOT_PASSWORD}" mysql --protocol=socket -uroot <<SQL
CREATE DATABASE IF NOT EXISTS app CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_ai_ci;

-- Debezium's MySQL connector: reads the binlog as a replica (REPLICATION SLAVE/CLIENT), and its
-- snapshot needs SELECT, RELOAD (FLUSH), SHOW DATABASES and LOCK TABLES.
CREATE USER IF NOT EXISTS 'debezium'@'%' IDENTIFIED BY '${MYSQL_DEBEZIUM_PASSWORD:-dbz}';
GRANT SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT, LOCK TABLES
  ON *.* TO 'debezium'@'%';

-- dbtwin's apply user: reads and writes rows of the application database and nothing else.
CREATE USER IF NOT EXISTS 'dbtwin'@'%' IDENTIFIED BY '${MYSQL_DBTWIN_PASSWORD:-dbtwin}';
GRANT SELECT, INSERT, UPDATE, DELETE ON app.* TO 'dbtwin'@'%';

FLUSH PRIVILEGES;
SQL
