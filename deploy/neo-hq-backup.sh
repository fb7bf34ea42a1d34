#!/bin/sh
# Back up NEO's HQ into DEST/neo-hq-<UTC time>/ (docs/ops.md, "Backups"):
#   db.dump        the PostgreSQL database (pg_dump, custom format), or
#   hq.db          the SQLite database (online backup, consistent while HQ runs)
#   data.tar.gz    the data directory without the database files and half-received
#                  uploads: tls/ (ca.key!), keys/ (unlock shares, watch access keys),
#                  attachments/objects, reports/, server.json, the basemap
# The database is saved first, so every file its rows name is already in the data
# directory when the files are copied (attachment objects are written before the rows
# that refer to them and are named by their SHA-256). The folder appears only once
# complete (DEST/neo-hq-<time>.partial until then); everything is created mode 0600/0700.
#
# Usage: NEO_HQ_DATA_DIR=/var/lib/neo-hq NEO_HQ_DB=postgresql://... neo-hq-backup.sh DEST
# Run it as the user HQ runs as (it must read the 0600 key files), e.g. from a systemd timer.
set -eu

dest=${1:?usage: neo-hq-backup.sh DEST_DIR}
data=${NEO_HQ_DATA_DIR:?NEO_HQ_DATA_DIR is not set}
python=${PYTHON:-python3}
[ -d "$data" ] || { echo "neo-hq-backup: no data directory $data" >&2; exit 2; }

umask 077
out="$dest/neo-hq-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out.partial"
trap 'rm -rf "$out.partial"' EXIT

db=${NEO_HQ_DB:-}
case "$db" in
    postgresql*|postgres:*)
        # pg_dump takes libpq URLs: drop SQLAlchemy's "+driver".
        url=$(printf '%s' "$db" | sed -e 's|^postgresql+[a-z0-9]*://|postgresql://|')
        pg_dump --format=custom --no-owner --no-privileges --file="$out.partial/db.dump" "$url"
        ;;
    ""|sqlite*)
        file=${db#sqlite+pysqlite:///}
        file=${file#sqlite:///}
        [ -n "$file" ] || file="$data/hq.db"
        "$python" - "$file" "$out.partial/hq.db" <<'PY'
import sqlite3, sys
source = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
target = sqlite3.connect(sys.argv[2])
source.backup(target)
target.close()
source.close()
PY
        ;;
    *)
        echo "neo-hq-backup: unsupported NEO_HQ_DB: $db" >&2
        exit 2
        ;;
esac

tar -C "$data" -czf "$out.partial/data.tar.gz" \
    --exclude=./hq.db --exclude=./hq.db-wal --exclude=./hq.db-shm --exclude=./hq.db-journal \
    --exclude=./attachments/partial --exclude='./.basemap*' .

mv "$out.partial" "$out"
trap - EXIT
echo "$out"
