#!/usr/bin/env bash
# Builds the libFuzzer target of the rule engine (test/fuzz/rules_fuzz.cpp) with clang,
# AddressSanitizer and UndefinedBehaviorSanitizer in build-fuzz/, and runs it for a bounded
# time on a small seed corpus. Exits non-zero on any crash, leak, sanitizer report, broken
# invariant or slow input; crash artifacts are written to build-fuzz/.
#
#   test/fuzz/run.sh                       # 60 s
#   UDM_FUZZ_SECONDS=300 test/fuzz/run.sh  # longer
#   test/fuzz/run.sh build-fuzz/crash-...  # replay one input
#
# Needs clang-14 and libclang-rt-14-dev (scripts/setup).
set -euo pipefail

fuzz_name=fuzz
fuzz_target=udm_rules_fuzz
# shellcheck source=test/fuzz/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

fuzz_build
fuzz_replay "$@"
fuzz_make_work
corpus="$fuzz_work/corpus"
mkdir -p "$corpus"

# The seed corpus: rule sets of every data type, class rules, whole models; then inputs of
# the other modes (first byte 1: pattern, 2: date/timestamp/bound, 3: text value).
n=0
seed() { n=$((n + 1)); printf '%s' "$1" >"$corpus/seed-$n"; }
# shellcheck disable=SC2059 # the format makes the mode byte
seed_mode() { n=$((n + 1)); { printf "\\x$1"; printf '%s' "$2"; } >"$corpus/seed-$n"; }

seed '{"min_length": 2, "max_length": 40, "not_blank": true, "pattern": "^[A-Z]{3}-\\d{4}$", "required": true}'
seed '{"format": "email", "enum": ["a@b.co", "c@d.io"], "message": "Use your work address", "unique": true}'
seed '{"min": 0, "max": 100, "exclusive_min": -1, "exclusive_max": 101, "multiple_of": 0.01, "enum": [1, 2.5]}'
seed '{"min": "2000-01-01", "max": "today+30d", "custom": "app.check_date", "indexed": true}'
seed '{"custom": "pg_toast_temp5.check", "min": "2000-020-1"}'
seed '{"custom": "pg_catalog.lower", "max_length": 3}'
seed '{"min": "2024-02-29T12:00:00.5+05:30", "max": "now+1y-6mo+1w-2d+3h-4min+5s"}'
seed '{"format": "uri"}'
seed '{"format": "ipv6", "max_length": 45}'
seed '{"defaults": {"text": {"max_length": 200}, "number": {"min": 0}, "date": {"max": "today"}},
       "required_together": [["n", "i"]], "one_of_required": [["t", "u"]],
       "compare": [["n", "<=", "i"], ["d", "<", "ts"], ["t", "<>", "u"]], "message": "Check the event"}'
seed '{"compare": ["d", ">=", "ts"]}'
seed '{
  "attributes": {
    "sku": {"type": "text", "rules": {"pattern": "^[A-Z]{3}-\\d{4}$", "max_length": 8}},
    "name": {"type": "text", "rules": {"min_length": 2, "not_blank": true}},
    "email": {"type": "text", "rules": {"format": "email"}},
    "price": {"type": "number", "rules": {"min": 0, "multiple_of": 0.01}},
    "max_price": {"type": "number"},
    "stock": {"type": "integer", "rules": {"min": 0, "max": 1000, "enum": [0, 10, 100]}},
    "launched": {"type": "date", "rules": {"min": "2000-01-01", "max": "today"}},
    "seen_at": {"type": "timestamp", "rules": {"min": "now-1h"}},
    "active": {"type": "boolean"},
    "maker": {"type": "reference", "target": "company"},
    "extra": {"type": "json"}
  },
  "classes": {
    "product": {
      "rules": {"defaults": {"text": {"max_length": 100}}, "compare": ["price", "<=", "max_price"],
                "required_together": [["price", "max_price"]], "one_of_required": [["sku", "name"]]},
      "attributes": {"sku": {"required": true}, "name": {"rules": {"max_length": 50}}, "email": {}, "price": {},
                     "max_price": {}, "stock": {}, "launched": {}, "seen_at": {}, "active": {}, "maker": {},
                     "extra": {}}
    },
    "company": {"attributes": {"name": {"required": true}}}
  },
  "relationship_types": {"supplies": {"inverse": "supplied_by"}},
  "relationships": [{"from": "company", "to": "product", "type": "supplies", "cardinality": {"max_sources": 1}}]
}'
seed '{"sku": "ABC-1234", "name": "Lamp", "price": 9.99, "stock": 10, "launched": "2024-03-15"}'
seed_mode 01 '^[A-Z]{3}-\d{4}$'
seed_mode 01 '(?i)(?P<user>[^@\s]+)@\pL+\.(com|org){1,3}'
seed_mode 02 'now-18y+6mo-1w'
seed_mode 02 'today+30d'
seed_mode 02 '2024-02-29'
seed_mode 02 '2016-12-31T23:59:60.123456-08:00'
seed_mode 03 'user@example.com'
seed_mode 03 '2001:db8::8a2e:370:7334'
seed_mode 03 'https://example.com/path?q=1'
seed_mode 03 '123e4567-e89b-12d3-a456-426614174000'

# A dictionary of the rule vocabulary.
dict="$fuzz_work/rules.dict"
for token in min_length max_length pattern format not_blank enum min max exclusive_min exclusive_max multiple_of \
    required unique indexed custom message defaults required_together one_of_required compare attributes classes \
    type rules target relationship_types relationships from to cardinality max_targets max_sources bidirectional \
    text number integer boolean date timestamp reference json email uri uuid date-time ipv4 ipv6 hostname \
    now today '<=' '>=' '<>' -18y +30d mo min w h s '2024-02-29' 'T00:00:00Z' '+05:30'; do
    printf '"%s"\n' "$token" >>"$dict"
done

fuzz_run "$corpus" fuzz.log -dict="$dict" -timeout=30 -max_len=8192
