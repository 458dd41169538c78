#!/bin/sh
# One-shot job (temporalio/admin-tools): wait for the Temporal server, create the namespace with an
# explicit retention (or bring an existing one's retention to it), register the search attributes
# every cutover keeps current (docs/plan-format.md, "The workflow contract"), and wait until the
# server accepts a query on each of them. Safe to re-run.
set -eu
ns=${DEFAULT_NAMESPACE:-default}
addr=${TEMPORAL_ADDRESS:-temporal:7233}
# How long a finished cutover's history is kept: days or hours (30d, 720h). Temporal's default
# (3 days) would delete it before anyone reviews it.
retention=${NAMESPACE_RETENTION:-30d}
case $retention in
  *[!0-9dh]* | [dh]* | *[dh]?* | *[0-9]) echo "NAMESPACE_RETENTION must be days or hours, such as 30d or 720h: $retention"; exit 2 ;;
esac

tries=0
until temporal operator cluster health --address "$addr" >/dev/null 2>&1; do
  tries=$((tries + 1))
  [ "$tries" -ge 60 ] && { echo "Temporal at $addr did not become healthy"; exit 1; }
  sleep 2
done

if temporal operator namespace describe -n "$ns" --address "$addr" >/dev/null 2>&1; then
  temporal operator namespace update -n "$ns" --address "$addr" --retention "$retention"
  echo "namespace $ns exists; retention $retention"
else
  temporal operator namespace create -n "$ns" --address "$addr" --retention "$retention"
  echo "namespace $ns created; retention $retention"
fi

# A new namespace reaches every part of the server only after its namespace cache refreshes (some
# seconds): until then it is "not found", so each registration is retried.
for pair in CutoverPlan:Keyword CutoverStage:Keyword CutoverState:Keyword CutoverPercent:Int; do
  name=${pair%%:*}; type=${pair#*:}
  tries=0
  until list=$(temporal operator search-attribute list -n "$ns" --address "$addr" 2>&1); do
    tries=$((tries + 1))
    [ "$tries" -ge 60 ] && { echo "cannot list the search attributes of $ns: $list"; exit 1; }
    sleep 2
  done
  if echo "$list" | grep -q "^ *$name "; then
    echo "search attribute $name exists"
    continue
  fi
  tries=0
  until temporal operator search-attribute create -n "$ns" --address "$addr" --name "$name" --type "$type"; do
    tries=$((tries + 1))
    [ "$tries" -ge 60 ] && { echo "cannot register the search attribute $name in $ns"; exit 1; }
    sleep 2
  done
done

# The server caches search attributes and refreshes the cache on its own schedule (the production
# setting: no forceSearchAttributesCacheRefreshOnRead). A query on an attribute it does not know yet
# fails, so this waits until each one is usable before the worker starts.
for query in 'CutoverPlan = "probe"' 'CutoverStage = "probe"' 'CutoverState = "probe"' 'CutoverPercent = 0'; do
  tries=0
  until temporal workflow count -n "$ns" --address "$addr" --query "$query" >/dev/null 2>&1; do
    tries=$((tries + 1))
    [ "$tries" -ge 90 ] && { echo "the server does not accept the query $query yet"; exit 1; }
    sleep 2
  done
done
echo "namespace $ns ready"
