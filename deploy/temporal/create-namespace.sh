#!/bin/sh
# One-shot job (temporalio/admin-tools): wait for the Temporal server, create the namespace and
# register the search attributes every cutover keeps current (docs/plan-format.md, "The workflow contract"). Safe to re-run.
set -eu
ns=${DEFAULT_NAMESPACE:-default}
addr=${TEMPORAL_ADDRESS:-temporal:7233}

tries=0
until temporal operator cluster health --address "$addr" >/dev/null 2>&1; do
  tries=$((tries + 1))
  [ "$tries" -ge 60 ] && { echo "Temporal at $addr did not become healthy"; exit 1; }
  sleep 2
done

temporal operator namespace describe -n "$ns" --address "$addr" >/dev/null 2>&1 \
  || temporal operator namespace create -n "$ns" --address "$addr"

for pair in CutoverPlan:Keyword CutoverStage:Keyword CutoverState:Keyword CutoverPercent:Int; do
  name=${pair%%:*}; type=${pair#*:}
  if temporal operator search-attribute list -n "$ns" --address "$addr" | grep -q "^ *$name "; then
    echo "search attribute $name exists"
  else
    temporal operator search-attribute create -n "$ns" --address "$addr" --name "$name" --type "$type"
  fi
done
echo "namespace $ns ready"
