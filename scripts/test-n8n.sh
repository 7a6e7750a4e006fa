#!/bin/sh
# Opt-in check with n8n's own Odoo node code (npm run test:n8n); never part of `npm test`.
#
# Installs into a temporary folder, removed afterwards: the n8n-nodes-base tarball (npm pack, about
# 12 MB, of which only the Odoo node, its utilities and its credentials are unpacked) and
# n8n-workflow with its dependencies (about 145 MB, install scripts off). The whole package with
# its dependencies would be about 800 MB (FACTS.md). Then runs
# dist/test/integrations/n8n-node.optin.js with N8N_MODULES pointing there (build first:
# `npm run test:n8n` does).
set -eu

N8N_NODES_BASE_VERSION=${N8N_NODES_BASE_VERSION:-2.40.2}
N8N_WORKFLOW_VERSION=${N8N_WORKFLOW_VERSION:-2.40.1}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/odoo-keys-n8n-XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

cd "$work"
echo "test:n8n: fetching n8n-nodes-base@$N8N_NODES_BASE_VERSION and n8n-workflow@$N8N_WORKFLOW_VERSION into $work"
npm pack --silent "n8n-nodes-base@$N8N_NODES_BASE_VERSION" >/dev/null
printf '{"name":"odoo-keys-n8n-check","private":true}\n' > package.json
npm install --silent --ignore-scripts --no-audit --no-fund --omit=dev "n8n-workflow@$N8N_WORKFLOW_VERSION" lodash@4.18.1
mkdir -p node_modules/n8n-nodes-base
tar xzf n8n-nodes-base-"$N8N_NODES_BASE_VERSION".tgz -C node_modules/n8n-nodes-base --strip-components=1 \
  package/package.json package/dist/nodes/Odoo package/dist/utils \
  package/dist/credentials/OdooApi.credentials.js package/dist/credentials/OdooApiKeyApi.credentials.js

cd "$root"
N8N_MODULES="$work/node_modules" N8N_NODES_BASE_VERSION="$N8N_NODES_BASE_VERSION" \
  node --test --enable-source-maps dist/test/integrations/n8n-node.optin.js
