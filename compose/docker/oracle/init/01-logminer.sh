#!/usr/bin/env bash
# Prepares Oracle Database Free for Debezium's LogMiner adapter and for dbtwin. gvenzl/oracle-free runs
# it once, as the oracle OS user, after the database is created (first start of an empty volume).
# A shell script rather than .sql files so that the passwords come from the environment and so that
# the database can be restarted in between (ARCHIVELOG can only be switched on while mounted).
#
# Users:
#   C##DBZUSER  common user Debezium connects as (LogMiner runs in CDB$ROOT).
#   APP         owner of the application tables in FREEPDB1; the connector captures this schema.
#   DBTWIN      the gateway's apply user in FREEPDB1. Debezium leaves out its redo
#               (log.mining.username.exclude.list=DBTWIN): capture-level echo suppression.
set -Eeuo pipefail

: "${ORACLE_DEBEZIUM_PASSWORD:=dbz}"
: "${ORACLE_APP_PASSWORD:=app}"
: "${ORACLE_DBTWIN_PASSWORD:=dbtwin}"
PDB=FREEPDB1
ORADATA=/opt/oracle/oradata
# Archived logs live on the data volume so that they survive container re-creation.
RECOVERY_AREA="${ORADATA}/recovery_area"
MARKER="${ORADATA}/dbtwin-init.done"

mkdir -p "${RECOVERY_AREA}"

echo "dbtwin: switching the database to ARCHIVELOG mode"
sqlplus -s / as sysdba <<SQL
WHENEVER SQLERROR EXIT SQL.SQLCODE
ALTER SYSTEM SET db_recovery_file_dest_size = 10G SCOPE=BOTH;
ALTER SYSTEM SET db_recovery_file_dest = '${RECOVERY_AREA}' SCOPE=BOTH;
SHUTDOWN IMMEDIATE;
STARTUP MOUNT;
ALTER DATABASE ARCHIVELOG;
ALTER DATABASE OPEN;
ALTER PLUGGABLE DATABASE ALL OPEN;
-- So the PDB opens by itself on every later container start.
ALTER PLUGGABLE DATABASE ALL SAVE STATE;
EXIT;
SQL

echo "dbtwin: supplemental logging, LogMiner user, application and gateway users"
sqlplus -s / as sysdba <<SQL
WHENEVER SQLERROR EXIT SQL.SQLCODE

-- Minimal supplemental logging is required at database level. ALL COLUMNS is set database-wide
-- rather than per table because the APP tables do not exist yet (the application or
-- 'dbtwin schema translate' creates them later); without it the before-images lack the columns that
-- conflict detection compares.
ALTER DATABASE ADD SUPPLEMENTAL LOG DATA;
ALTER DATABASE ADD SUPPLEMENTAL LOG DATA (ALL) COLUMNS;

-- Debezium's flush table and sequence go into their own tablespace, in the root and in the PDB.
CREATE TABLESPACE logminer_tbs DATAFILE '${ORADATA}/FREE/logminer_tbs.dbf'
  SIZE 25M REUSE AUTOEXTEND ON MAXSIZE UNLIMITED;
ALTER SESSION SET CONTAINER = ${PDB};
CREATE TABLESPACE logminer_tbs DATAFILE '${ORADATA}/FREE/${PDB}/logminer_tbs.dbf'
  SIZE 25M REUSE AUTOEXTEND ON MAXSIZE UNLIMITED;
ALTER SESSION SET CONTAINER = CDB\$ROOT;

-- The privileges the Debezium 3.2 Oracle connector documentation lists for the LogMiner user
-- ("Creating a user account for the connector"), granted in every container.
CREATE USER c##dbzuser IDENTIFIED BY "${ORACLE_DEBEZIUM_PASSWORD}"
  DEFAULT TABLESPACE logminer_tbs QUOTA UNLIMITED ON logminer_tbs CONTAINER=ALL;
GRANT CREATE SESSION TO c##dbzuser CONTAINER=ALL;
GRANT SET CONTAINER TO c##dbzuser CONTAINER=ALL;
GRANT SELECT ON V_\$DATABASE TO c##dbzuser CONTAINER=ALL;
-- Snapshots are flashback queries (AS OF SCN) over every captured table.
GRANT FLASHBACK ANY TABLE TO c##dbzuser CONTAINER=ALL;
GRANT SELECT ANY TABLE TO c##dbzuser CONTAINER=ALL;
GRANT SELECT_CATALOG_ROLE TO c##dbzuser CONTAINER=ALL;
GRANT EXECUTE_CATALOG_ROLE TO c##dbzuser CONTAINER=ALL;
GRANT SELECT ANY TRANSACTION TO c##dbzuser CONTAINER=ALL;
GRANT LOGMINING TO c##dbzuser CONTAINER=ALL;
-- The connector creates its LGWR flush table and a sequence in its own schema.
GRANT CREATE TABLE TO c##dbzuser CONTAINER=ALL;
GRANT LOCK ANY TABLE TO c##dbzuser CONTAINER=ALL;
GRANT CREATE SEQUENCE TO c##dbzuser CONTAINER=ALL;
GRANT EXECUTE ON DBMS_LOGMNR TO c##dbzuser CONTAINER=ALL;
GRANT EXECUTE ON DBMS_LOGMNR_D TO c##dbzuser CONTAINER=ALL;
-- Redo/archive log and transaction state views, read to prepare each mining session.
GRANT SELECT ON V_\$LOG TO c##dbzuser CONTAINER=ALL;
GRANT SELECT ON V_\$LOG_HISTORY TO c##dbzuser CONTAINER=ALL;
GRANT SELECT ON V_\$LOGMNR_LOGS TO c##dbzuser CONTAINER=ALL;
GRANT SELECT ON V_\$LOGMNR_CONTENTS TO c##dbzuser CONTAINER=ALL;
GRANT SELECT ON V_\$LOGMNR_PARAMETERS TO c##dbzuser CONTAINER=ALL;
GRANT SELECT ON V_\$LOGFILE TO c##dbzuser CONTAINER=ALL;
GRANT SELECT ON V_\$ARCHIVED_LOG TO c##dbzuser CONTAINER=ALL;
GRANT SELECT ON V_\$ARCHIVE_DEST_STATUS TO c##dbzuser CONTAINER=ALL;
GRANT SELECT ON V_\$TRANSACTION TO c##dbzuser CONTAINER=ALL;
GRANT SELECT ON V_\$MYSTAT TO c##dbzuser CONTAINER=ALL;
GRANT SELECT ON V_\$STATNAME TO c##dbzuser CONTAINER=ALL;

ALTER SESSION SET CONTAINER = ${PDB};

-- The application schema. DDL runs as APP, never as DBTWIN: Debezium drops the excluded user's redo,
-- and a schema change it never saw would leave its schema history wrong.
CREATE USER app IDENTIFIED BY "${ORACLE_APP_PASSWORD}"
  DEFAULT TABLESPACE users QUOTA UNLIMITED ON users;
GRANT CREATE SESSION, CREATE TABLE, CREATE VIEW, CREATE SEQUENCE, CREATE PROCEDURE, CREATE TRIGGER
  TO app;

-- The gateway: row changes on APP only. Schema-level grants (Oracle 23) also cover the tables that
-- are created after this script ran.
CREATE USER dbtwin IDENTIFIED BY "${ORACLE_DBTWIN_PASSWORD}"
  DEFAULT TABLESPACE users QUOTA 100M ON users;
GRANT CREATE SESSION TO dbtwin;
GRANT SELECT ANY TABLE ON SCHEMA app TO dbtwin;
GRANT INSERT ANY TABLE ON SCHEMA app TO dbtwin;
GRANT UPDATE ANY TABLE ON SCHEMA app TO dbtwin;
GRANT DELETE ANY TABLE ON SCHEMA app TO dbtwin;

EXIT;
SQL

# Last step: the compose healthcheck waits for this file, not just for an open PDB.
touch "${MARKER}"
echo "dbtwin: Oracle is ready for Debezium (ARCHIVELOG, supplemental logging, C##DBZUSER, APP, DBTWIN)"
