#!/bin/bash
# Runs plan, shards and merge in order on the current kubectl context (the image pcapviz:0.1.0 built from
# deploy/kubernetes/Dockerfile must be pullable by the cluster; the captures must be in the volume's captures/).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
kubectl apply -f "$here/volume.yaml"
kubectl delete job pcapviz-plan pcapviz-shards pcapviz-merge --ignore-not-found
kubectl apply -f "$here/plan-job.yaml"
kubectl wait --for=condition=complete --timeout=1h job/pcapviz-plan
kubectl apply -f "$here/shards-job.yaml"
kubectl wait --for=condition=complete --timeout=24h job/pcapviz-shards
kubectl apply -f "$here/merge-job.yaml"
kubectl wait --for=condition=complete --timeout=4h job/pcapviz-merge
kubectl logs job/pcapviz-merge
