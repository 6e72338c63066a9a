#!/usr/bin/env bash
# make-fixtures.sh — regenerates the vault files under this directory with
# Debian's ansible-vault (ansible-core), the reference drover must read.
# The tests also make fresh ones with ansible-vault when it is installed.
set -euo pipefail
cd "$(dirname "$0")"
export ANSIBLE_LOCAL_TEMP="$(mktemp -d)"
trap 'rm -rf "$ANSIBLE_LOCAL_TEMP"' EXIT
printf 'correct horse battery\n' > pw-default
printf 'dev-pass\n' > pw-dev
printf 'prod-pass\n' > pw-prod

printf 'db_user: app\ndb_password: "S3cret-Db-Pass"\nport: 5432\nenabled: true\n' > ansible-11.yml
ansible-vault encrypt --vault-password-file pw-default ansible-11.yml

printf 'api_token: tok-dev-123456\n' > ansible-12-dev.yml
ansible-vault encrypt --vault-id dev@pw-dev ansible-12-dev.yml

printf 'api_token: tok-prod-654321\n' > ansible-12-prod.yml
ansible-vault encrypt --vault-id prod@pw-prod ansible-12-prod.yml

# exactly one AES block: the padding is a whole extra block
printf '0123456789abcdef' > ansible-block.txt
ansible-vault encrypt --vault-password-file pw-default ansible-block.txt

{
  echo '# inline values made by ansible-vault encrypt_string'
  echo 'plain_user: deploy'
  ansible-vault encrypt_string --vault-id dev@pw-dev --name dev_secret 'inline dev value'
  echo
  echo 'nested:'
  ansible-vault encrypt_string --vault-id prod@pw-prod --name prod_secret 'inline prod value' | sed 's/^/  /'
  echo
} > inline.yml

# a known answer: ansible-core's own cipher with a fixed salt
/usr/bin/python3 - <<'PY'
from ansible.parsing.vault import VaultAES256, VaultSecret, format_vaulttext_envelope
b = VaultAES256.encrypt(b"hello\n", VaultSecret(b"pw"), salt="0123456789abcdef0123456789abcdef")
open("known-answer.vault", "wb").write(format_vaulttext_envelope(b, "AES256"))
PY
