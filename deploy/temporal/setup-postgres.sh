#!/bin/sh
# One-shot job (temporalio/admin-tools): create Temporal's two databases on the compose PostgreSQL
# and bring their schemas up to date, and the worker's ledger database (cutover). Safe to re-run: create tolerates existing databases and
# update-schema only applies what is missing.
set -eu
: "${POSTGRES_SEEDS:?POSTGRES_SEEDS is required}"
: "${POSTGRES_USER:?POSTGRES_USER is required}"
port=${DB_PORT:-5432}

echo "waiting for PostgreSQL at ${POSTGRES_SEEDS}:${port}"
until nc -z -w 5 "$POSTGRES_SEEDS" "$port"; do sleep 2; done

tool() { temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -u "$POSTGRES_USER" -p "$port" "$@"; }
schema=/etc/temporal/schema/postgresql/v12
for db in temporal temporal_visibility; do
  case $db in temporal) dir=temporal ;; *) dir=visibility ;; esac
  tool --db "$db" create || echo "database $db exists"
  tool --db "$db" setup-schema -v 0.0 || echo "schema of $db already set up"
  tool --db "$db" update-schema -d "$schema/$dir/versioned"
done
# The cutover worker's own database (its ledger, docs/ledger.md); the worker migrates its schema.
tool --db cutover create || echo "database cutover exists"
echo "Temporal schema ready; database cutover ready for the worker's ledger"
